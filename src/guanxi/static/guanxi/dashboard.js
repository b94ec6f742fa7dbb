// The dashboard settings: drag the cards into the order you like (SortableJS); the form posts the ticked
// cards in the order they stand.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  if (typeof Sortable === "undefined") return;
  document.querySelectorAll("[data-sortable-cards]").forEach((list) => {
    Sortable.create(list, { group: "dashboard-cards", animation: 150, handle: ".ti-grip-vertical" });
  });
});
