// The forecast page's chart: weighted amount by month, from the JSON the page carries (no inline script).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-forecast-chart]").forEach((element) => {
    const source = document.getElementById(element.dataset.forecastChart);
    if (!source || typeof echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const chart = echarts.init(element);
    chart.setOption({
      animation: false,
      grid: { left: 80, right: 20, top: 20, bottom: 30 },
      xAxis: { type: "category", data: data.months },
      yAxis: { type: "value" },
      series: [{ name: data.label, type: "bar", data: data.weighted, itemStyle: { color: "#206bc4" } }],
    });
    window.addEventListener("resize", () => chart.resize());
  });
});
