// The customer list: "select all on this page" ticks every row's checkbox (which belong to the bulk form).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement)) return;
  const table = box.closest("table");
  if (!table) return;
  const rows = table.querySelectorAll("input[data-row-select]");
  if (box.matches("[data-select-all]")) {
    rows.forEach((row) => { row.checked = box.checked; });
  } else if (box.matches("[data-row-select]")) {
    const all = table.querySelector("input[data-select-all]");
    if (all) all.checked = Array.from(rows).every((row) => row.checked);
  }
});
