/* Behaviour of the pages, kept out of the HTML: the Content-Security-Policy refuses inline
   scripts and event handlers (onclick=…), so they would not run. Every page works without
   this file; it only adds conveniences. Listeners sit on the document, so content htmx swaps
   in later behaves the same. */
(function () {
  "use strict";

  // <button data-action="print">: print the page (the report, the minutes).
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("[data-action='print']")) {
      event.preventDefault();
      window.print();
    }
  });
})();
