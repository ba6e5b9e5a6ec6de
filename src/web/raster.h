// web/raster.h — an SVG document (web/plot.h) turned into a PNG file with librsvg and cairo, so
// `ouro plot --out FILE.png` draws exactly the picture of the SVG, at a chosen pixel density.
#pragma once

#include <string>

namespace ouro::web {

// Renders `svg` at `scale` pixels per SVG unit (2 = a sharp picture on a report) onto a white
// background and writes it to `path` as PNG. Error for an SVG that librsvg cannot read, a
// non-positive or absurd scale (the picture would exceed 20,000 pixels a side) or a file that
// cannot be written.
void WritePng(const std::string& svg, const std::string& path, double scale = 2.0);

}  // namespace ouro::web
