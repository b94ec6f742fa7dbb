// Marketing pages: the campaign chart, the SMS length counter and the progress of a send (no inline script).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-campaign-chart]").forEach((element) => {
    const source = document.getElementById(element.dataset.campaignChart);
    if (!source || typeof echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const chart = echarts.init(element);
    chart.setOption({
      animation: false,
      grid: { left: 90, right: 20, top: 10, bottom: 30 },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: data.categories },
      series: [{ type: "bar", data: data.values, itemStyle: { color: "#206bc4" } }],
    });
    window.addEventListener("resize", () => chart.resize());
  });
});
