// arcface::Error hierarchy -> pyarcface.Error, InputError (also ValueError), IOError and
// ModelError (also OSError).
#include <Python.h>

#include <cstring>

#include "arcface/error.hpp"
#include "bindings.hpp"

namespace pyarcface {

namespace {
PyObject* make(py::module_& m, const char* name, PyObject* bases, const char* doc) {
  const std::string qual = std::string("pyarcface.") + name;
  PyObject* t = PyErr_NewExceptionWithDoc(qual.c_str(), doc, bases, nullptr);
  if (!t) throw py::error_already_set();
  m.add_object(name, py::handle(t));
  return t;
}
// Messages name files, whose names need not be UTF-8: undecodable bytes become \xNN escapes
// instead of an empty exception.
void set_error(PyObject* type, const char* message) {
  PyObject* text = PyUnicode_DecodeUTF8(message, static_cast<Py_ssize_t>(std::strlen(message)), "backslashreplace");
  if (!text) {
    PyErr_Clear();
    PyErr_SetString(type, "(undecodable error message)");
    return;
  }
  PyErr_SetObject(type, text);
  Py_DECREF(text);
}
}  // namespace

void bind_errors(py::module_& m) {
  static PyObject* error = make(m, "Error", PyExc_RuntimeError, "Base class of every arcface error.");
  static PyObject* input = make(m, "InputError", py::make_tuple(py::handle(error), py::handle(PyExc_ValueError)).release().ptr(),
                                "Bad input: empty or unsupported image, wrong shape, invalid option.");
  static PyObject* io = make(m, "IOError", py::make_tuple(py::handle(error), py::handle(PyExc_OSError)).release().ptr(),
                             "A file is missing, unreadable or malformed.");
  static PyObject* model = make(m, "ModelError", py::make_tuple(py::handle(error), py::handle(PyExc_OSError)).release().ptr(),
                                "A model file is missing, corrupt or lacks arcface metadata.");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const arcface::InputError& e) {
      set_error(input, e.what());
    } catch (const arcface::IoError& e) {
      set_error(io, e.what());
    } catch (const arcface::ModelError& e) {
      set_error(model, e.what());
    } catch (const arcface::Error& e) {
      set_error(error, e.what());
    }
  });
}

}  // namespace pyarcface
