// The dashboard's charts (templates/workbench/dashboard.html): each <div data-chart="ID"> is drawn
// with Apache ECharts (static/vendor/echarts) from the JSON in <script id="ID" type="application/json">,
// the same numbers as the table under it. Nothing here is needed to read them: the tables are.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) return;
  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var source = document.getElementById(box.dataset.chart);
    if (!source) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    var line = data.type === "line";
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      // Text drawn on the canvas, not HTML with style attributes (the CSP allows none).
      tooltip: { trigger: "axis", renderMode: "richText" },
      xAxis: line ? { type: "category", data: data.labels } : { type: "value", minInterval: 1 },
      yAxis: line ? { type: "value", minInterval: 1 } : { type: "category", data: data.labels, inverse: true },
      series: [{ name: data.name, type: data.type, data: data.values, itemStyle: { color: "#b3261e" } }],
    });
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
