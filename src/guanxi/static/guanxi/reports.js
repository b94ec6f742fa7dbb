// A report's chart (bar, line, pie, funnel or Pareto) from the JSON the page carries: the same figures as
// the table under it. Clicking a bar, slice or stage opens the records behind it (the row's drill-down).
"use strict";

function reportOption(data, narrow) {
  const rows = data.categories
    .map((name, index) => ({ name, value: data.series[0].data[index], drill: data.drill[index] }))
    .filter((row) => row.value !== null && row.value !== undefined);
  if (data.type === "pie") {
    return {
      tooltip: { trigger: "item" },
      legend: { type: "scroll", bottom: 0 },
      series: [{ name: data.series[0].name, type: "pie", radius: ["35%", "65%"], label: { show: !narrow }, data: rows }],
    };
  }
  if (data.type === "funnel") {
    return {
      tooltip: { trigger: "item" },
      series: [{ name: data.series[0].name, type: "funnel", sort: "none", left: "10%", width: "80%", label: { position: narrow ? "inside" : "right", formatter: "{b}: {c}" }, data: rows }],
    };
  }
  const series = data.series.map((serie) => ({ name: serie.name, type: data.type === "line" ? "line" : "bar", data: serie.data }));
  const axes = [{ type: "value" }];
  if (data.type === "pareto") {
    const total = data.series[0].data.reduce((sum, value) => sum + (value || 0), 0);
    let running = 0;
    const share = data.series[0].data.map((value) => {
      running += value || 0;
      return total ? Math.round((running * 1000) / total) / 10 : 0;
    });
    axes.push({ type: "value", max: 100, axisLabel: { formatter: "{value}%" } });
    series.push({ name: "%", type: "line", yAxisIndex: 1, data: share });
  }
  return {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 60, right: data.type === "pareto" ? 50 : 20, top: 40, bottom: 60, containLabel: true },
    xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: data.categories.length > 6 ? 30 : 0 } },
    yAxis: axes,
    series,
  };
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-report-chart]").forEach((element) => {
    const source = document.getElementById(element.dataset.reportChart);
    if (!source || typeof echarts === "undefined") return;
    const data = JSON.parse(source.textContent);
    const chart = echarts.init(element);
    chart.setOption({ animation: false, ...reportOption(data, element.clientWidth < 500) });
    chart.on("click", (event) => {
      const target = (event.data && event.data.drill) || data.drill[event.dataIndex];
      if (target) window.location.assign(target);
    });
    window.addEventListener("resize", () => chart.resize());
  });
});
