/* Collections: the add-to-collection dialog and drag-and-drop ordering.
 *
 * Everything here is an extra: without JavaScript the dialog is a page and the
 * order is changed with the "Up"/"Down" forms. No inline scripts, no eval.
 */
(function () {
  "use strict";

  /* The add dialog arrives open (so it shows even without this file); make it
     modal for focus and the backdrop, and drop it from the page once closed. */
  function upgradeDialogs(root) {
    var dialogs = [];
    if (root.matches && root.matches("dialog[data-collection-dialog]")) dialogs.push(root);
    if (root.querySelectorAll) dialogs = dialogs.concat(Array.from(root.querySelectorAll("dialog[data-collection-dialog]")));
    dialogs.forEach(function (dialog) {
      if (dialog.dataset.upgraded) return;
      dialog.dataset.upgraded = "1";
      if (typeof dialog.showModal === "function") {
        dialog.close();
        dialog.showModal();
      }
      // close() above queues a "close" event that arrives while the dialog is open again: ignore it.
      dialog.addEventListener("close", function () { if (!dialog.open) dialog.remove(); });
    });
  }

  /* The CSRF token: from hx-headers on <body> (signed-in pages), else from any form. */
  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    if (headers) {
      try {
        var token = JSON.parse(headers)["X-CSRFToken"];
        if (token) return token;
      } catch (ignored) { /* fall through to the hidden input */ }
    }
    var input = document.querySelector("input[name='csrf_token']");
    return input ? input.value : "";
  }

  function itemOrder(list) {
    return Array.from(list.querySelectorAll("li[data-tool-id]")).map(function (li) { return li.dataset.toolId; });
  }

  /* Replace the items with the server's answer, which is the saved order either way. */
  function swapItems(container, html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fresh = holder.querySelector("#collection-items");
    if (!fresh) return;
    container.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    setupDragAndDrop(fresh);
  }

  function saveOrder(container, list) {
    var body = new URLSearchParams();
    itemOrder(list).forEach(function (id) { body.append("order", id); });
    container.setAttribute("aria-busy", "true");
    fetch(container.dataset.orderUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body
    }).then(function (response) {
      return response.text().then(function (html) { swapItems(container, html); });
    }).catch(function () {
      container.removeAttribute("aria-busy");
    });
  }

  function setupDragAndDrop(container) {
    if (!container || !container.dataset.orderUrl || container.dataset.dnd) return;
    container.dataset.dnd = "1";
    var list = container.querySelector("ol");
    if (!list) return;
    var dragged = null;
    var before = null;

    list.addEventListener("dragstart", function (event) {
      dragged = event.target.closest ? event.target.closest("li[data-tool-id]") : null;
      if (!dragged) return;
      before = itemOrder(list).join(",");
      dragged.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", dragged.dataset.toolId);
    });

    list.addEventListener("dragover", function (event) {
      if (!dragged) return;
      event.preventDefault();
      var over = event.target.closest ? event.target.closest("li[data-tool-id]") : null;
      if (!over || over === dragged) return;
      var box = over.getBoundingClientRect();
      var after = event.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? over.nextSibling : over);
    });

    list.addEventListener("drop", function (event) {
      if (dragged) event.preventDefault();
    });

    list.addEventListener("dragend", function () {
      if (!dragged) return;
      dragged.classList.remove("is-dragging");
      dragged = null;
      if (itemOrder(list).join(",") !== before) saveOrder(container, list);
    });
  }

  function setup(root) {
    upgradeDialogs(root);
    var container = root.id === "collection-items" ? root : (root.querySelector && root.querySelector("#collection-items"));
    setupDragAndDrop(container);
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document.body); });
  // Content htmx swaps in (the dialog, a refreshed list) gets the same treatment.
  document.addEventListener("htmx:load", function (event) { setup(event.target); });
})();
