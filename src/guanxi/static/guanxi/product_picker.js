// The product picker (Tom Select) of quote and opportunity lines: it shows each product's prices, fills the
// empty cells of its line (unit price, quantity; an opportunity line's description and unit too) and, on a
// quote, shows the latest price this customer was given for the product (one company, one price).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-quote-form], [data-lines-form]");
  if (!form || typeof TomSelect === "undefined") return;
  const pickerUrl = form.dataset.pickerUrl;
  const lastPricesUrl = form.dataset.lastPricesUrl;
  const label = (item) => `${item.code} ${item.name}`;
  const detail = (item) => `¥${item.list_price} · ≥ ¥${item.floor_price}${item.uom ? " / " + item.uom : ""}`;

  form.querySelectorAll("select[data-product-picker]").forEach((select) => {
    const line = select.closest("[data-quote-line], [data-line]");
    const fill = (name, value) => {
      const input = line.querySelector(`input[name$='-${name}']`);
      if (input && !input.value && value) input.value = value;
    };
    const hint = line.querySelector("[data-line-hint]");
    new TomSelect(select, {
      valueField: "id",
      searchField: ["code", "name"],
      maxOptions: 20,
      loadThrottle: 250,
      // The server matched the pinyin and initials already: keep every option it sent.
      score: () => () => 1,
      load(query, callback) {
        fetch(`${pickerUrl}?q=${encodeURIComponent(query)}`, { credentials: "same-origin" })
          .then((response) => response.json())
          .then((data) => callback(data.results))
          .catch(() => callback());
      },
      render: {
        option: (item, escape) =>
          `<div><div>${escape(label(item))}</div><div class="small text-secondary">${escape(detail(item))}</div></div>`,
        item: (item, escape) => `<div>${escape(item.code ? label(item) : item.text)}</div>`,
        no_results: () => `<div class="no-results">${form.dataset.noneLabel || ""}</div>`,
      },
      onChange(value) {
        const item = this.options[value];
        if (item) {
          fill("unit_price", item.list_price);
          fill("description", item.name);
          fill("unit", item.uom);
        }
        fill("quantity", "1");
        if (!hint) return;
        hint.textContent = item && item.floor_price ? `≥ ¥${item.floor_price}` : "";
        if (!value || !lastPricesUrl) return;
        fetch(`${lastPricesUrl}&products=${encodeURIComponent(value)}`, { credentials: "same-origin" })
          .then((response) => response.json())
          .then((rows) => {
            const last = rows[0];
            if (last) {
              const when = last.quoted_at.slice(0, 10);
              hint.textContent = `${hint.textContent} · ${form.dataset.lastLabel || ""} ¥${last.net_unit_price} (${last.quote_number}, ${last.quoted_by}, ${when})`;
            }
          });
      },
    });
  });
});
