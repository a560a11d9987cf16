#include "core/image_header.hpp"

#include "arcface/image_header.hpp"

#include <cstdint>
#include <cstring>

namespace arcface::detail {

namespace {

struct Bytes {
  const unsigned char* p;
  std::size_t n;
  bool has(std::size_t off, std::size_t len) const { return off <= n && len <= n - off; }
  std::uint32_t be16(std::size_t o) const { return (p[o] << 8) | p[o + 1]; }
  std::uint32_t le16(std::size_t o) const { return p[o] | (p[o + 1] << 8); }
  std::uint32_t be32(std::size_t o) const { return (be16(o) << 16) | be16(o + 2); }
  std::uint32_t le32(std::size_t o) const { return le16(o) | (le16(o + 2) << 16); }
  std::uint32_t le24(std::size_t o) const { return p[o] | (p[o + 1] << 8) | (p[o + 2] << 16); }
  bool starts(std::size_t o, const char* s) const {
    const std::size_t len = std::strlen(s);
    return has(o, len) && std::memcmp(p + o, s, len) == 0;
  }
};

std::optional<cv::Size2l> jpeg(const Bytes& b) {
  std::size_t o = 2;
  while (b.has(o, 4)) {
    if (b.p[o] != 0xFF) return std::nullopt;
    const unsigned marker = b.p[o + 1];
    if (marker == 0xFF) {  // fill byte
      ++o;
      continue;
    }
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
      o += 2;
      continue;
    }
    const std::size_t len = b.be16(o + 2);
    const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (!b.has(o + 5, 4)) return std::nullopt;
      return cv::Size2l(b.be16(o + 7), b.be16(o + 5));
    }
    if (len < 2) return std::nullopt;
    o += 2 + len;
  }
  return std::nullopt;
}

std::optional<cv::Size2l> tiff(const Bytes& b) {
  const bool le = b.p[0] == 'I';
  auto u16 = [&](std::size_t o) { return le ? b.le16(o) : b.be16(o); };
  auto u32 = [&](std::size_t o) { return le ? b.le32(o) : b.be32(o); };
  const std::size_t ifd = u32(4);
  if (!b.has(ifd, 2)) return std::nullopt;
  const std::size_t entries = u16(ifd);
  long w = -1, h = -1;
  for (std::size_t i = 0; i < entries; ++i) {
    const std::size_t e = ifd + 2 + 12 * i;
    if (!b.has(e, 12)) return std::nullopt;
    const unsigned tag = u16(e), type = u16(e + 2);
    const long v = type == 3 ? static_cast<long>(u16(e + 8)) : static_cast<long>(u32(e + 8));
    if (tag == 256) w = v;
    if (tag == 257) h = v;
  }
  if (w < 0 || h < 0) return std::nullopt;
  return cv::Size2l(w, h);
}

std::optional<cv::Size2l> pnm(const Bytes& b) {
  // "P1".."P6", whitespace/comments, width, height.
  std::size_t o = 2;
  long v[2];
  for (long& x : v) {
    for (;;) {
      while (o < b.n && (b.p[o] == ' ' || b.p[o] == '\t' || b.p[o] == '\n' || b.p[o] == '\r')) ++o;
      if (o < b.n && b.p[o] == '#') {
        while (o < b.n && b.p[o] != '\n') ++o;
        continue;
      }
      break;
    }
    if (o >= b.n || b.p[o] < '0' || b.p[o] > '9') return std::nullopt;
    x = 0;
    while (o < b.n && b.p[o] >= '0' && b.p[o] <= '9' && x < (1L << 40)) x = x * 10 + (b.p[o++] - '0');
  }
  return cv::Size2l(v[0], v[1]);
}

}  // namespace

std::optional<cv::Size2l> image_size_from_header(const unsigned char* data, std::size_t size) {
  const Bytes b{data, size};
  if (b.starts(0, "\x89PNG\r\n\x1a\n") && b.starts(12, "IHDR") && b.has(16, 8))
    return cv::Size2l(b.be32(16), b.be32(20));
  if (b.has(0, 2) && b.p[0] == 0xFF && b.p[1] == 0xD8) return jpeg(b);
  if (b.starts(0, "BM") && b.has(14, 12)) {
    if (b.le32(14) == 12) return cv::Size2l(b.le16(18), b.le16(20));  // OS/2 header
    const auto h = static_cast<std::int32_t>(b.le32(22));
    return cv::Size2l(static_cast<std::int32_t>(b.le32(18)), h < 0 ? -static_cast<long>(h) : h);
  }
  if ((b.starts(0, "GIF87a") || b.starts(0, "GIF89a")) && b.has(6, 4)) return cv::Size2l(b.le16(6), b.le16(8));
  if (b.starts(0, "RIFF") && b.starts(8, "WEBP") && b.has(12, 18)) {
    if (b.starts(12, "VP8X")) return cv::Size2l(b.le24(24) + 1, b.le24(27) + 1);
    if (b.starts(12, "VP8L") && b.has(21, 4)) {
      const std::uint32_t bits = b.le32(21);
      return cv::Size2l((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    }
    if (b.starts(12, "VP8 ") && b.has(26, 4)) return cv::Size2l(b.le16(26) & 0x3FFF, b.le16(28) & 0x3FFF);
    return std::nullopt;
  }
  if (b.has(0, 8) && ((b.p[0] == 'I' && b.p[1] == 'I' && b.p[2] == 42 && b.p[3] == 0) ||
                       (b.p[0] == 'M' && b.p[1] == 'M' && b.p[2] == 0 && b.p[3] == 42)))
    return tiff(b);
  if (b.has(0, 2) && b.p[0] == 'P' && b.p[1] >= '1' && b.p[1] <= '6') return pnm(b);
  return std::nullopt;
}

}  // namespace arcface::detail

namespace arcface {

std::optional<cv::Size2l> image_header_size(const unsigned char* data, std::size_t size) {
  return detail::image_size_from_header(data, size);
}

}  // namespace arcface
