// The UI's ECharts element: NiceGUI's own echart component (same events, same
// `update_chart` and `run_chart_method`), plus the page's language:
// * `locale` ("FR" or "EN") is given to echarts.init, so time axes, the data-zoom labels and
//   the legend use French month and day names on a French page;
// * `separators` ([thousands, decimal]) format every value axis and tooltip value that has no
//   formatter of its own: French "14 000" (narrow no-break space) and "1,5", English "14,000"
//   and "1.5";
// * `unit` ("kWh", "W", "€"...) follows every tooltip value ("1,5 kWh"; English "€1.50");
// * a time axis' tooltip names its instant the page's way: "06/12/2026 14:30" in French,
//   "2026-12-06 14:30" in English (the axis holds Paris wall-clock times, read as UTC).
// Nothing is fetched: ECharts comes from NiceGUI's bundled "nicegui-echart" module.
import { echarts } from "nicegui-echart";
import { convertDynamicProperties } from "../../static/utils/dynamic_properties.js";

// ECharts ships English and Chinese only; French as in ECharts' own i18n/langFR.
echarts.registerLocale("FR", {
  time: {
    month: [
      "janvier", "février", "mars", "avril", "mai", "juin",
      "juillet", "août", "septembre", "octobre", "novembre", "décembre",
    ],
    monthAbbr: [
      "janv.", "févr.", "mars", "avr.", "mai", "juin",
      "juil.", "août", "sept.", "oct.", "nov.", "déc.",
    ],
    dayOfWeek: ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
    dayOfWeekAbbr: ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
  },
  legend: { selector: { all: "Tout", inverse: "Inverse" } },
  toolbox: {
    dataZoom: { title: { zoom: "Zoom", back: "Zoom initial" } },
    restore: { title: "Restaurer" },
    saveAsImage: { title: "Enregistrer l'image", lang: ["Clic droit pour enregistrer l'image"] },
  },
  aria: {
    general: { withTitle: "Graphique « {title} »", withoutTitle: "Graphique" },
  },
});

// `value` written with `separators`; `decimals` caps the fraction digits (tooltips), axis
// ticks keep theirs (0.25 stays 0,25).
export function formatNumber(value, separators, decimals) {
  if (Array.isArray(value)) return value.map((v) => formatNumber(v, separators, decimals)).join(" ; ");
  if (value === null || value === undefined || value === "" || value === "-") return "—";
  const number = Number(value);
  if (!Number.isFinite(number)) return String(value);
  const rounded =
    decimals === undefined ? Number(number.toPrecision(12)) : Number(number.toFixed(decimals));
  const text = String(Math.abs(rounded));
  if (text.includes("e")) return (rounded < 0 ? "-" : "") + text.replace(".", separators[1]);
  const [whole, fraction] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, separators[0]);
  return (rounded < 0 ? "-" : "") + grouped + (fraction ? separators[1] + fraction : "");
}

// `value` with its unit, the page's way: "1,5 kWh", "12,34 €"; English "€12.34".
export function withUnit(value, separators, unit, decimals) {
  const text = formatNumber(value, separators, decimals);
  if (!unit || text === "—") return text;
  if (unit === "€" && separators[1] === ".") return text.startsWith("-") ? "-€" + text.slice(1) : "€" + text;
  return text + " " + unit;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

// A wall-clock instant (milliseconds read as UTC) as the page writes it.
export function instantText(ms, english) {
  const d = new Date(ms);
  const day = english
    ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
    : `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
  return `${day} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

function asList(part) {
  if (!part) return [];
  return Array.isArray(part) ? part : [part];
}

export default {
  template: "<div></div>",
  async mounted() {
    await new Promise((resolve) => setTimeout(resolve, 0)); // wait for Tailwind classes
    this.chart = echarts.init(this.$el, null, {
      renderer: this.renderer || "canvas",
      locale: this.locale || "EN",
    });
    this.chart.on("click", (e) => this.$emit("componentClick", e));
    for (const event of [
      "click", "dblclick", "mousedown", "mousemove", "mouseup", "mouseover", "mouseout",
      "globalout", "contextmenu", "highlight", "downplay", "selectchanged",
      "legendselectchanged", "legendselected", "legendunselected", "legendselectall",
      "legendinverseselect", "legendscroll", "datazoom", "datarangeselected", "restore",
      "brush", "brushEnd", "brushselected", "rendered", "finished",
    ]) {
      this.chart.on(event, (e) => this.$emit(`chart:${event}`, e));
    }
    let initialResizeTriggered = false;
    const initialWidth = this.$el.offsetWidth;
    const initialHeight = this.$el.offsetHeight;
    this.resizeObserver = new ResizeObserver(() => {
      if (!initialResizeTriggered) {
        initialResizeTriggered = true;
        if (this.$el.offsetWidth === initialWidth && this.$el.offsetHeight === initialHeight) {
          return;
        }
      }
      this.chart.resize();
    });
    this.resizeObserver.observe(this.$el);
    this.update_chart();
  },
  beforeUnmount() {
    this.chart?.dispose();
  },
  unmounted() {
    this.resizeObserver?.disconnect();
  },
  methods: {
    localize(options) {
      const separators = this.separators || [",", "."];
      const unit = this.unit || "";
      const english = this.locale === "EN";
      const axisLabel = (value) => formatNumber(value, separators);
      const timeAxis = asList(options.xAxis).some((axis) => axis.type === "time");
      for (const axis of [...asList(options.xAxis), ...asList(options.yAxis)]) {
        if (axis.type !== "value" && axis.type !== "log") continue;
        axis.axisLabel = axis.axisLabel || {};
        if (!axis.axisLabel.formatter) axis.axisLabel.formatter = axisLabel;
      }
      for (const tooltip of asList(options.tooltip)) {
        if (!tooltip.valueFormatter) {
          tooltip.valueFormatter = (value) => withUnit(value, separators, unit, 2);
        }
        if (timeAxis && !tooltip.formatter) {
          tooltip.formatter = (params) => {
            const list = asList(params);
            if (!list.length) return "";
            const head = instantText(list[0].axisValue ?? list[0].value[0], english);
            const lines = list.map((p) => {
              const value = Array.isArray(p.value) ? p.value[1] : p.value;
              return `${p.marker}${p.seriesName}: <b>${withUnit(value, separators, unit, 2)}</b>`;
            });
            return [head, ...lines].join("<br>");
          };
        }
      }
    },
    update_chart() {
      if (!this.chart) {
        setTimeout(this.update_chart, 10);
        return;
      }
      convertDynamicProperties(this.options, true);
      this.localize(this.options);
      this.chart.setOption(this.options, {
        notMerge: this.chart.getOption()?.series?.length != this.options.series?.length,
      });
    },
    run_chart_method(name, ...args) {
      if (name.startsWith(":")) {
        name = name.slice(1);
        args = args.map((arg) => new Function(`return (${arg})`)());
      }
      return runMethod(this.chart, name, args);
    },
  },
  props: {
    options: Object,
    renderer: String,
    locale: String,
    separators: Array,
    unit: String,
  },
};
