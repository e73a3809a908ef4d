// The hub's web page: one self-contained HTML document (inline CSS and JS, no
// external assets) that browses the catalogue through the JSON API. Every
// catalogue string reaches the DOM as text (textContent), never as markup.
#ifndef SYNTHUB_HUB_WEB_PAGE_H_
#define SYNTHUB_HUB_WEB_PAGE_H_

namespace synthub::hub {

extern const char kWebPage[];

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_WEB_PAGE_H_
