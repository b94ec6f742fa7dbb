// The customer field of quotes, contracts, orders and opportunities: typing searches the customers the user
// sees (name fragments, pinyin, phone, the number itself); the pick fills in the customer's number. Without
// JavaScript the field takes a number or the exact name.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  if (typeof TomSelect === "undefined") return;
  document.querySelectorAll("input[data-customer-picker]").forEach((input) => {
    const url = input.dataset.customerPicker;
    new TomSelect(input, {
      maxItems: 1,
      valueField: "number",
      labelField: "name",
      searchField: [],
      persist: false,
      loadThrottle: 250,
      score: () => () => 1, // the server matched pinyin and initials already
      load(query, callback) {
        fetch(`${url}?q=${encodeURIComponent(query)}`, { credentials: "same-origin" })
          .then((response) => response.json())
          .then((data) => callback(data.results))
          .catch(() => callback());
      },
      render: {
        option: (item, escape) =>
          `<div><div>${escape(item.name)}</div><div class="small text-secondary">${escape(item.number)}${item.owner ? " · " + escape(item.owner) : ""}</div></div>`,
        item: (item, escape) => `<div>${escape(item.name || item.number)}</div>`,
        no_results: () => `<div class="no-results">${input.dataset.noneLabel}</div>`,
      },
    });
  });
});
