/* Dashboards: draws the charts the page describes in the JSON block #report-charts with Apache ECharts
   (vendored, no CDN). Every point or bar carries the URL of its drill-down page: a click opens it.
   Labels come translated from the server; the ECharts locale follows the page language. */
(function () {
  "use strict";

  var charts = JSON.parse(document.getElementById("report-charts").textContent);
  var locale = JSON.parse(document.getElementById("report-chart-locale").textContent);
  var drawn = [];

  function axisLabel(unit) {
    return unit === "%" ? "{value} %" : "{value}";
  }

  function trend(chart) {
    var series = [
      {
        name: chart.labels.value,
        type: "line",
        data: chart.values,
        connectNulls: false,
        symbolSize: 8,
        markPoint: chart.shifts && chart.shifts.length ? {
          symbol: "pin",
          itemStyle: { color: "#b3261e" },
          label: { show: false },
          data: chart.shifts.map(function (i) {
            return { name: chart.labels.shift, coord: [i, chart.values[i]], value: chart.labels.shift };
          })
        } : undefined
      }
    ];
    var legend = [chart.labels.value];
    if (chart.target.some(function (v) { return v !== null; })) {
      series.push({ name: chart.labels.target, type: "line", data: chart.target, step: "middle", symbol: "none",
                    lineStyle: { type: "dashed", color: "#1e7b34" }, itemStyle: { color: "#1e7b34" } });
      legend.push(chart.labels.target);
    }
    if (chart.upper) {
      [["upper", chart.upper], ["lower", chart.lower]].forEach(function (pair) {
        series.push({ name: chart.labels[pair[0]], type: "line", data: pair[1], step: "middle", symbol: "none",
                      lineStyle: { type: "dotted", color: "#8a5a00" }, itemStyle: { color: "#8a5a00" } });
        legend.push(chart.labels[pair[0]]);
      });
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { data: legend, bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: chart.periods },
      yAxis: { type: "value", scale: true, axisLabel: { formatter: axisLabel(chart.unit) } },
      series: series
    };
  }

  function bars(chart) {
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 48, right: 16, top: 16, bottom: 24, containLabel: true },
      xAxis: { type: "category", data: chart.categories, axisLabel: { interval: 0, rotate: chart.categories.length > 4 ? 30 : 0 } },
      yAxis: { type: "value", axisLabel: { formatter: axisLabel(chart.unit) } },
      series: [{ name: chart.labels.value, type: "bar", data: chart.values, itemStyle: { color: "#1d4ed8" } }]
    };
  }

  function pareto(chart) {
    return {
      tooltip: { trigger: "axis" },
      legend: { data: [chart.labels.value, chart.labels.cumulative], bottom: 0 },
      grid: { left: 48, right: 48, top: 16, bottom: 56, containLabel: true },
      xAxis: { type: "category", data: chart.categories, axisLabel: { interval: 0, rotate: chart.categories.length > 4 ? 30 : 0 } },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } }
      ],
      series: [
        { name: chart.labels.value, type: "bar", data: chart.values, itemStyle: { color: "#1d4ed8" } },
        { name: chart.labels.cumulative, type: "line", yAxisIndex: 1, data: chart.cumulative,
          itemStyle: { color: "#b3261e" } }
      ]
    };
  }

  var builders = { trend: trend, bars: bars, pareto: pareto };

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var chart = charts[Number(element.dataset.chart)];
    var instance = echarts.init(element, null, { locale: locale, renderer: "canvas" });
    instance.setOption(builders[chart.type](chart));
    instance.on("click", function (event) {
      var url = chart.urls && chart.urls[event.dataIndex];
      if (url && (event.seriesIndex === 0 || chart.type === "pareto")) {
        window.location.assign(url);
      }
    });
    drawn.push(instance);
  });

  window.addEventListener("resize", function () {
    drawn.forEach(function (instance) { instance.resize(); });
  });
})();
