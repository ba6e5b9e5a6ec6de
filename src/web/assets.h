// web/assets.h — the dashboard's front-end files (web/src and uPlot from web/node_modules),
// embedded in the binary at build time by embed_assets.cmake, so `ouro dashboard` works from any
// directory without network access. Immutable data: callable from any thread.
#pragma once

#include <string_view>

namespace ouro::web {

struct Asset {
  std::string_view path;          // URL path, e.g. "/index.html", "/vendor/uPlot.esm.js"
  std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
  std::string_view body;
};

// The asset served at this URL path, or nullptr.
const Asset* FindAsset(std::string_view path);

}  // namespace ouro::web
