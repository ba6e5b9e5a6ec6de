// web/raster.cc — SVG to PNG through librsvg (parsing, text layout) and cairo (pixels, PNG).
#include "web/raster.h"

#include <cairo.h>
#include <librsvg/rsvg.h>

#include <cmath>
#include <memory>

#include "core/error.h"

namespace ouro::web {
namespace {

struct GObjectUnref {
  void operator()(RsvgHandle* h) const { g_object_unref(h); }
};
struct SurfaceDestroy {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDestroy {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

std::string TakeMessage(GError* e) {
  std::string m = e != nullptr && e->message != nullptr ? e->message : "unknown error";
  if (e != nullptr) g_error_free(e);
  return m;
}

}  // namespace

void WritePng(const std::string& svg, const std::string& path, double scale) {
  constexpr double kMaxSide = 20000;
  if (!(scale > 0) || !std::isfinite(scale)) throw Error("PNG scale must be a positive number");
  GError* err = nullptr;
  std::unique_ptr<RsvgHandle, GObjectUnref> h(
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &err));
  if (!h) throw Error("cannot read the SVG to rasterize: " + TakeMessage(err));
  gdouble w = 0, hgt = 0;
  if (!rsvg_handle_get_intrinsic_size_in_pixels(h.get(), &w, &hgt) || !(w > 0) || !(hgt > 0))
    throw Error("the SVG to rasterize has no width and height");
  const double pw = std::ceil(w * scale), ph = std::ceil(hgt * scale);
  if (pw > kMaxSide || ph > kMaxSide) throw Error("the PNG would be larger than 20000 pixels a side");
  std::unique_ptr<cairo_surface_t, SurfaceDestroy> surface(
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(pw), static_cast<int>(ph)));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    throw Error(std::string("cannot make a PNG surface: ") + cairo_status_to_string(cairo_surface_status(surface.get())));
  std::unique_ptr<cairo_t, CairoDestroy> cr(cairo_create(surface.get()));
  cairo_set_source_rgb(cr.get(), 1, 1, 1);
  cairo_paint(cr.get());
  const RsvgRectangle viewport{0, 0, pw, ph};
  if (!rsvg_handle_render_document(h.get(), cr.get(), &viewport, &err))
    throw Error("cannot rasterize the SVG: " + TakeMessage(err));
  cairo_surface_flush(surface.get());
  const cairo_status_t st = cairo_surface_write_to_png(surface.get(), path.c_str());
  if (st != CAIRO_STATUS_SUCCESS) throw Error("cannot write '" + path + "': " + cairo_status_to_string(st));
}

}  // namespace ouro::web
