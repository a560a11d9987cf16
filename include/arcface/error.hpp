#pragma once
/// @file error.hpp
/// The exception hierarchy of arcface. Every error the library throws derives from arcface::Error,
/// and its message names the offending input (file, image, option) and what is wrong with it.
/// Exceptions of the libraries underneath (c10::Error, cv::Exception) never escape: they are
/// caught at the boundary and rethrown as one of these, with context.

#include "arcface/export.hpp"
#include <stdexcept>
#include <string>

ARCFACE_API_BEGIN
namespace arcface {

/// Base class of all arcface errors.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad input supplied by the caller: an empty or unsupported image, a wrong shape or size,
/// an invalid option value. Python: pyarcface.InputError (also a ValueError).
class InputError : public Error {
 public:
  using Error::Error;
};

/// A file could not be read or written: missing, unreadable, not an image, malformed.
/// Python: pyarcface.IOError (also an OSError).
class IoError : public Error {
 public:
  using Error::Error;
};

/// A model file is missing, corrupt, lacks arcface metadata, or does not behave as its metadata
/// says. Python: pyarcface.ModelError (also an OSError).
class ModelError : public Error {
 public:
  using Error::Error;
};

}  // namespace arcface
ARCFACE_API_END
