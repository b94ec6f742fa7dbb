// The region picker (customers/region_picker.html): a province select loads its cities, a city select its
// counties, through the hx-get on each select. Without this file the selects still submit.
"use strict";

// The options endpoint wants ?parent=<code>; htmx would send the select's value under its own name.
document.addEventListener("htmx:configRequest", (event) => {
  const select = event.detail.elt;
  if (!(select instanceof HTMLSelectElement) || !select.hasAttribute("data-region-picker")) return;
  delete event.detail.parameters[select.name];
  event.detail.parameters.parent = select.value;
  // A new province makes the old city's counties stale: keep only the county placeholder.
  const stale = document.getElementById(select.dataset.regionClear || "");
  if (stale && stale.options.length) stale.replaceChildren(stale.options[0]);
});
