// The pipeline board: drag a card to another stage column. The server decides: on success it answers the
// card (new probability) and every column's totals (out of band); on refusal (a stage requirement, say)
// the card goes back and the reason shows. From the keyboard (or without JavaScript) the card's menu does the same.
"use strict";

(function () {
  function toast(text, kind) {
    const container = document.getElementById("toasts");
    if (!container) return;
    const item = document.createElement("div");
    item.className = "toast show border-0 text-bg-" + kind;
    item.setAttribute("role", kind === "danger" ? "alert" : "status");
    const body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = text;
    item.appendChild(body);
    container.appendChild(item);
    if (kind !== "danger") setTimeout(() => item.classList.remove("show"), 5000);
  }

  function putBack(event) {
    const reference = event.from.children[event.oldIndex] || null;
    event.from.insertBefore(event.item, reference);
  }

  function move(board, event) {
    const card = event.item;
    const body = new FormData();
    body.append("stage", event.to.dataset.stage);
    body.append("board_query", board.dataset.boardQuery || "");
    card.classList.add("opacity-50");
    fetch(card.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": document.body.dataset.csrfToken, "HX-Request": "true" },
    })
      .then((response) => response.text().then((text) => ({ ok: response.ok, text: text })))
      .then((answer) => {
        card.classList.remove("opacity-50");
        if (!answer.ok) {
          putBack(event);
          toast(answer.text || board.dataset.errorText, "danger");
          return;
        }
        // Sortable leaves inline styles on the dragged card; htmx would copy them onto the new card with
        // setAttribute, which the strict CSP refuses. The server's card needs none.
        card.removeAttribute("style");
        htmx.swap(card, answer.text, { swapStyle: "outerHTML" });
        // A stage that needs approval keeps the card where it was until a manager decides.
        const moved = document.getElementById(card.id);
        if (moved && moved.dataset.stage !== event.to.dataset.stage) {
          event.from.insertBefore(moved, event.from.children[event.oldIndex] || null);
        }
      })
      .catch(() => {
        card.classList.remove("opacity-50");
        putBack(event);
        toast(board.dataset.errorText, "danger");
      });
  }

  function start() {
    document.querySelectorAll("[data-board]").forEach((board) => {
      board.querySelectorAll(".board-cards").forEach((column) => {
        Sortable.create(column, {
          group: "board",
          draggable: ".board-card",
          filter: "summary, .dropdown-menu",
          preventOnFilter: false,
          animation: 150,
          onEnd: (event) => {
            if (event.from !== event.to) move(board, event);
          },
        });
      });
    });
  }

  // A card's menu closes on a click elsewhere, and on Escape (back to its button).
  document.addEventListener("click", (event) => {
    document.querySelectorAll(".board-card-menu[open]").forEach((menu) => {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", (event) => {
    const menu = event.key === "Escape" && event.target.closest && event.target.closest(".board-card-menu[open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });

  // An open menu is placed on the screen itself (position: fixed), under its button or, when the screen has no
  // room left below (the last card of a column), above it: the column's scrolling box never cuts it off.
  function place(details) {
    const menu = details.querySelector(".dropdown-menu");
    if (!details.open) {
      menu.classList.remove("board-card-menu-placed");
      return;
    }
    menu.classList.add("board-card-menu-placed");
    const button = details.querySelector("summary").getBoundingClientRect();
    const height = menu.offsetHeight;
    const fitsBelow = button.bottom + height <= window.innerHeight || button.top < height;
    const top = fitsBelow ? Math.min(button.bottom, window.innerHeight - height) : button.top - height;
    menu.style.top = Math.max(0, top) + "px";
    menu.style.left = Math.max(0, button.right - menu.offsetWidth) + "px";
  }
  document.addEventListener(
    "toggle",
    (event) => {
      if (event.target.classList && event.target.classList.contains("board-card-menu")) place(event.target);
    },
    true,
  );
  // A placed menu does not follow its card when a column or the page scrolls: it closes instead.
  document.addEventListener(
    "scroll",
    (event) => {
      document.querySelectorAll(".board-card-menu[open]").forEach((menu) => {
        if (!menu.contains(event.target)) menu.removeAttribute("open");
      });
    },
    true,
  );

  document.addEventListener("DOMContentLoaded", start);
})();
