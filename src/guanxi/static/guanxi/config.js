// System settings pages. Everything works without this file: it adds drag-and-drop ordering of
// dictionary items (the up/down buttons do the same by plain form posts).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-sortable-url]").forEach((list) => {
    if (typeof Sortable === "undefined") return;
    document.querySelectorAll("[data-js-only]").forEach((element) => element.removeAttribute("hidden"));
    Sortable.create(list, {
      handle: ".drag-handle",
      animation: 150,
      onEnd: () => {
        const body = new URLSearchParams();
        list.querySelectorAll("[data-code]").forEach((row) => body.append("codes", row.dataset.code));
        fetch(list.dataset.sortableUrl, {
          method: "POST",
          headers: { "X-CSRFToken": document.body.dataset.csrfToken },
          body,
        }).then((response) => {
          // 409: the list changed meanwhile; show the server's order again.
          if (!response.ok) window.location.reload();
        });
      },
    });
  });
});

// The custom field form: "Choices from" matters only for choice types, so it shows only for them.
document.addEventListener("DOMContentLoaded", () => {
  const type = document.getElementById("id_type");
  const source = document.getElementById("id_dictionary_type");
  if (!type || !source) return;
  const row = source.closest(".mb-3");
  const update = () => {
    row.hidden = !["choice", "multi_choice"].includes(type.value);
  };
  type.addEventListener("change", update);
  update();
});
