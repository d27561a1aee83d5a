// The UI's ECharts element: NiceGUI's own echart component (same events, same
// `update_chart` and `run_chart_method`), plus the page's language:
// * `locale` ("FR" or "EN") is given to echarts.init, so time axes, the data-zoom labels and
//   the legend use French month and day names on a French page;
// * `separators` ([thousands, decimal]) format every value axis and tooltip value that has no
//   formatter of its own: French "14 000" (narrow no-break space) and "1,5", English "14,000"
//   and "1.5".
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
      const axisLabel = (value) => formatNumber(value, separators);
      for (const axis of [...asList(options.xAxis), ...asList(options.yAxis)]) {
        if (axis.type !== "value" && axis.type !== "log") continue;
        axis.axisLabel = axis.axisLabel || {};
        if (!axis.axisLabel.formatter) axis.axisLabel.formatter = axisLabel;
      }
      for (const tooltip of asList(options.tooltip)) {
        if (!tooltip.valueFormatter) {
          tooltip.valueFormatter = (value) => formatNumber(value, separators, 2);
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
  },
};
