#pragma once
// Options structs bound field by field: every default shown to Python is read from a
// default-constructed C++ struct, never copied by hand, so the two cannot drift. The class gets
//   Options(*args, **kwargs)   positional in field order, then keywords; unknown names -> TypeError
//   a property per field, __repr__ "Options(field=value, ...)", __eq__, and `_fields` (the names).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace pyarcface {
namespace py = pybind11;

template <class T>
class OptionsClass {
 public:
  OptionsClass(py::module_& m, const char* name, const char* doc) : cls_(m, name), name_(name), doc_(doc) {}

  /// A plain field.
  template <class V>
  OptionsClass& field(const char* name, V T::*member, const char* help) {
    cls_.def_readwrite(name, member, help);
    return add(name, help);
  }
  /// A field with a conversion (enums as strings, optionals as None).
  template <class Get, class Set>
  OptionsClass& field(const char* name, Get get, Set set, const char* help) {
    cls_.def_property(name, get, set, help);
    return add(name, help);
  }

  /// Adds __init__, __repr__, __eq__, _fields and the docstring (with the C++ defaults).
  py::class_<T>& done() {
    const auto names = names_;
    const std::string type = name_;
    cls_.def(py::init([names, type](py::args args, py::kwargs kwargs) {
               T options;
               py::object self = py::cast(&options, py::return_value_policy::reference);
               if (args.size() > names.size())
                 throw py::type_error(type + "() takes at most " + std::to_string(names.size()) +
                                      " positional arguments (" + std::to_string(args.size()) + " given)");
               for (std::size_t i = 0; i < args.size(); ++i) py::setattr(self, names[i].c_str(), args[i]);
               for (auto item : kwargs) {
                 const std::string key = py::str(item.first);
                 if (std::find(names.begin(), names.end(), key) == names.end())
                   throw py::type_error(type + "() got an unexpected keyword argument '" + key + "'; the options are: " +
                                        join(names));
                 py::setattr(self, key.c_str(), item.second);
               }
               return options;
             }),
             "See the class docstring for the fields and their defaults.");
    cls_.def("__repr__", [names, type](py::object self) {
      std::string out = type + "(";
      for (std::size_t i = 0; i < names.size(); ++i)
        out += (i ? ", " : "") + names[i] + "=" + short_repr(self.attr(names[i].c_str()));
      return out + ")";
    });
    cls_.def("__eq__", [names](py::object self, py::object other) {
      if (!py::isinstance(other, py::type::of(self))) return false;
      for (const auto& n : names)
        if (!self.attr(n.c_str()).equal(other.attr(n.c_str()))) return false;
      return true;
    });
    py::tuple fields(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) fields[i] = py::str(names[i]);
    cls_.attr("_fields") = fields;
    // The docstring lists each field with its C++ default.
    T defaults;
    py::object d = py::cast(&defaults, py::return_value_policy::reference);
    std::string doc = doc_ + "\n\n" + type + "(*args, **kwargs): fields in this order, defaults from the C++ library:\n";
    for (std::size_t i = 0; i < names.size(); ++i)
      doc += "\n  " + names[i] + " = " + short_repr(d.attr(names[i].c_str())) + "\n      " +
             helps_[i];
    cls_.doc() = doc;
    return cls_;
  }

 private:
  OptionsClass& add(const char* name, const char* help) {
    names_.emplace_back(name);
    helps_.emplace_back(help);
    return *this;
  }
  // repr with float32 values shown to 7 significant digits (0.6, not 0.6000000238418579).
  static std::string short_repr(py::handle v) {
    if (py::isinstance<py::float_>(v)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.7g", v.cast<double>());
      return py::repr(py::float_(std::strtod(buf, nullptr))).cast<std::string>();
    }
    if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
      std::string s;
      for (auto x : v) s += (s.empty() ? "" : ", ") + short_repr(x);
      return py::isinstance<py::list>(v) ? "[" + s + "]" : "(" + s + ")";
    }
    return py::repr(v).cast<std::string>();
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  }

  py::class_<T> cls_;
  std::string name_, doc_;
  std::vector<std::string> names_, helps_;
};

}  // namespace pyarcface
