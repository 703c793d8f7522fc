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
    if (!container) return [];
    /* The results themselves: not the category chips above them. */
    return Array.from(container.querySelectorAll("a[href]")).filter(function (a) { return !a.closest(".chips"); });
  }

  /* The box last typed in: on /search the header's and the page's boxes share one result list,
   * and arrowing back up from that list returns to the box the reader came from. */
  var lastBox = null;
  document.addEventListener("focusin", function (event) {
    var box = event.target.closest && event.target.closest("[data-search-box]");
    if (box) lastBox = box;
  });

  function boxFor(element) {
    if (!element.closest) return null;
    var box = element.closest("[data-search-box]");
    if (box) return box;
    var list = element.closest("[id]");
    var selector = function (id) { return "[data-search-box][data-results='" + id + "']"; };
    while (list && !document.querySelector(selector(list.id))) {
      list = list.parentElement && list.parentElement.closest("[id]");
    }
    if (!list) return null;
    return lastBox && lastBox.matches(selector(list.id)) ? lastBox : document.querySelector(selector(list.id));
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

  /* Every box that drives the same results shows the same query (the header's and the page's on
   * /search), and the filters form, which carries q for browsers without JavaScript, follows too. */
  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-search-box] input[name='q']")) return;
    var results = event.target.closest("[data-search-box]").dataset.results;
    document.querySelectorAll("[data-search-box][data-results='" + results + "'] input[name='q']").forEach(
      function (other) { if (other !== event.target) other.value = event.target.value; });
    document.querySelectorAll("#search-filters input[name='q']").forEach(function (hidden) {
      hidden.value = event.target.value;
    });
  });
})();
