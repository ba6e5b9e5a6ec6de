// web/raster: an SVG document becomes a PNG of its size at the requested density; input librsvg
// cannot read, an absurd size and an unwritable path are errors, not crashes or empty files.
#include "web/raster.h"

#include <cairo.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace {

namespace fs = std::filesystem;

const char* kSquare =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"30\">"
    "<rect x=\"0\" y=\"0\" width=\"20\" height=\"30\" fill=\"#ff0000\"/></svg>";

fs::path TempPng(const char* name) {
  return fs::temp_directory_path() / (std::string("ouro-raster-") + std::to_string(getpid()) + "-" + name);
}

uint32_t Pixel(cairo_surface_t* s, int x, int y) {
  const unsigned char* row = cairo_image_surface_get_data(s) + y * cairo_image_surface_get_stride(s);
  uint32_t px = 0;
  std::memcpy(&px, row + 4 * x, 4);
  return px & 0xffffff;
}

TEST(Raster, DrawsTheSvgAtTheRequestedScaleOnWhite) {
  const fs::path out = TempPng("ok.png");
  ouro::web::WritePng(kSquare, out.string(), 2.0);
  cairo_surface_t* s = cairo_image_surface_create_from_png(out.c_str());
  ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
  EXPECT_EQ(cairo_image_surface_get_width(s), 80);
  EXPECT_EQ(cairo_image_surface_get_height(s), 60);
  EXPECT_EQ(Pixel(s, 10, 30), 0xff0000u);  // inside the rectangle
  EXPECT_EQ(Pixel(s, 70, 30), 0xffffffu);  // the background
  cairo_surface_destroy(s);
  fs::remove(out);
}

TEST(Raster, RejectsBadInput) {
  const fs::path out = TempPng("bad.png");
  EXPECT_THROW(ouro::web::WritePng("not an svg", out.string()), ouro::Error);
  EXPECT_THROW(ouro::web::WritePng("<svg xmlns=\"http://www.w3.org/2000/svg\"><rect", out.string()), ouro::Error);
  EXPECT_THROW(ouro::web::WritePng(kSquare, out.string(), 0), ouro::Error);
  EXPECT_THROW(ouro::web::WritePng(kSquare, out.string(), -1), ouro::Error);
  EXPECT_THROW(ouro::web::WritePng(kSquare, out.string(), 1e6), ouro::Error);  // 40 million pixels a side
  EXPECT_FALSE(fs::exists(out));
  EXPECT_THROW(ouro::web::WritePng(kSquare, (fs::temp_directory_path() / "no-such-dir" / "x.png").string()), ouro::Error);
}

}  // namespace
