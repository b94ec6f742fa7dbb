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
      grid: { left: 10, right: 20, top: 10, bottom: 30, containLabel: true },
      xAxis: { type: "value", splitNumber: 3, axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", data: data.categories },
      series: [{ type: "bar", data: data.values, itemStyle: { color: "#206bc4" } }],
    });
    window.addEventListener("resize", () => chart.resize());
  });
});

// The SMS template form: characters and segments as the networks count them, signature and opt-out hint included.
document.addEventListener("DOMContentLoaded", () => {
  const out = document.querySelector("[data-sms-extra]");
  const body = document.querySelector("[data-sms-counter]");
  const channel = document.querySelector("select[name=channel], input[name=channel]");
  if (!out || !body) return;
  const gsm = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;
  const update = () => {
    if (channel && channel.value !== "sms") { out.textContent = ""; return; }
    const length = body.value.trim().length + Number(out.dataset.smsExtra);
    const unicode = !gsm.test(body.value);
    const single = unicode ? 70 : 160;
    const multi = unicode ? 67 : 153;
    const parts = length <= single ? 1 : Math.ceil(length / multi);
    const tooLong = parts > Number(out.dataset.maxSegments) ? ` · ${out.dataset.labelTooLong}` : "";
    out.textContent = `${length} ${out.dataset.labelChars} · ${parts} ${out.dataset.labelParts}${tooLong}`;
  };
  body.addEventListener("input", update);
  if (channel) channel.addEventListener("change", update);
  update();
});
