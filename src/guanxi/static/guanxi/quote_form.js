// The quote form: a product picker (Tom Select) that shows each product's prices, fills the list price into
// an empty unit price, and shows the latest price this customer was given for the product (one price).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("[data-quote-form]");
  if (!form || typeof TomSelect === "undefined") return;
  const pickerUrl = form.dataset.pickerUrl;
  const lastPricesUrl = form.dataset.lastPricesUrl;
  const label = (item) => `${item.code} ${item.name}`;
  const detail = (item) => `¥${item.list_price} · ≥ ¥${item.floor_price}${item.uom ? " / " + item.uom : ""}`;

  form.querySelectorAll("select[data-product-picker]").forEach((select) => {
    const line = select.closest("[data-quote-line]");
    const price = line.querySelector("input[name$='-unit_price']");
    const quantity = line.querySelector("input[name$='-quantity']");
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
      },
      onChange(value) {
        const item = this.options[value];
        if (item && item.list_price && price && !price.value) price.value = item.list_price;
        if (quantity && !quantity.value) quantity.value = "1";
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
