// The search index segments Chinese text with zero-width spaces (jieba, at build time, so that 考核 is found inside
// 年度考核结果); the index needs them, a reader does not: they are removed from every search result as it is shown,
// so a snippet copied from the results is the text itself.
(function () {
  "use strict";
  var ZW = /\u200b/g;

  function clean(node) {
    if (node.nodeType === Node.TEXT_NODE) {
      if (node.nodeValue.indexOf("\u200b") >= 0) node.nodeValue = node.nodeValue.replace(ZW, "");
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    var walk = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (var t = walk.nextNode(); t; t = walk.nextNode()) {
      if (t.nodeValue.indexOf("\u200b") >= 0) t.nodeValue = t.nodeValue.replace(ZW, "");
    }
  }

  function watch() {
    var results = document.querySelector(".md-search-result") || document.body;
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) {
        m.addedNodes.forEach(clean);
        if (m.type === "characterData") clean(m.target);
      });
    }).observe(results, {childList: true, subtree: true, characterData: true});
    clean(results);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
