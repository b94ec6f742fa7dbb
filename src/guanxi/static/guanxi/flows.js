// The approval flow editor: drag a step to reorder; the order fields follow, and saving keeps that order.
// Without this file the order fields are typed by hand.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector("[data-sortable-steps]");
  if (!list || typeof Sortable === "undefined") return;
  Sortable.create(list, {
    handle: "[data-step-handle]",
    animation: 150,
    onEnd: () => {
      list.querySelectorAll("fieldset").forEach((step, index) => {
        const order = step.querySelector("input[name$='-position']");
        if (order) order.value = String(index + 1);
      });
    },
  });
});
