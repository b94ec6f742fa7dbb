// Person menus too large to list (owner filters and pickers over thousands of colleagues) carry only the chosen
// person; typing asks the server for the others among the same people. Small menus stay plain selects.
"use strict";

if (typeof TomSelect !== "undefined" && typeof htmx !== "undefined") {
  htmx.onLoad((root) => {
    root.querySelectorAll("select[data-person-picker]").forEach((select) => {
      if (select.tomselect) return;
      const url = select.dataset.personPicker;
      new TomSelect(select, {
        valueField: "value",
        labelField: "text",
        searchField: [],
        loadThrottle: 250,
        // the empty option ("any", "by the rules") is the placeholder; clearing the choice returns to it
        plugins: select.multiple ? ["remove_button"] : select.required ? [] : ["clear_button"],
        score: () => () => 1, // the server has matched already
        load(query, callback) {
          fetch(`${url}&q=${encodeURIComponent(query)}`, { credentials: "same-origin" })
            .then((response) => response.json())
            .then((data) => callback(data.results))
            .catch(() => callback());
        },
        render: {
          option: (item, escape) =>
            `<div><div>${escape(item.text)}</div>${item.detail ? `<div class="small text-secondary">${escape(item.detail)}</div>` : ""}</div>`,
          item: (item, escape) => `<div>${escape(item.text)}</div>`,
        },
      });
    });
  });
}
