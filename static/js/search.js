/* Search box extras: arrow keys move through the suggestions, Escape closes them.
 *
 * Everything works without this file: the box is a plain GET form and the
 * suggestions are links. No inline scripts, no eval.
 */
(function () {
  "use strict";

  /* A box's results: its own suggestion list, or (on the search page) the list it updates. */
  function links(box) {
    var container = document.getElementById(box.dataset.results);
    return container ? Array.from(container.querySelectorAll("a[href]")) : [];
  }

  function boxFor(element) {
    if (!element.closest) return null;
    var box = element.closest("[data-search-box]");
    if (box) return box;
    var list = element.closest("[id]");
    while (list && !document.querySelector("[data-search-box][data-results='" + list.id + "']")) {
      list = list.parentElement && list.parentElement.closest("[id]");
    }
    return list ? document.querySelector("[data-search-box][data-results='" + list.id + "']") : null;
  }

  function move(box, from, step) {
    var items = links(box);
    if (!items.length) return false;
    var index = items.indexOf(from);
    var next = index + step;
    if (next < 0) {
      box.querySelector("input[name='q']").focus();
    } else {
      items[Math.min(next, items.length - 1)].focus();
    }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    var box = boxFor(event.target);
    if (!box) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var from = event.target.matches("input") ? null : event.target;
      if (move(box, from, event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
    } else if (event.key === "Escape") {
      var suggest = box.querySelector(".search-suggest");
      if (suggest) suggest.innerHTML = "";
      box.querySelector("input[name='q']").focus();
    }
  });

  /* The filters form carries q for browsers without JavaScript; keep it equal to what is typed. */
  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-search-box] input[name='q']")) return;
    document.querySelectorAll("#search-filters input[name='q']").forEach(function (hidden) {
      hidden.value = event.target.value;
    });
  });
})();
