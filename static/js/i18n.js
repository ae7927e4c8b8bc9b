// Interface strings in English and Arabic, and the helpers that pick a data field by language.
// Data (faction names, summaries) carries its own _en/_ar fields; only the chrome lives here.
const STRINGS = {
  en: {
    title: "Frontline", play: "Play", pause: "Pause", prev: "Previous change", next: "Next change",
    speed: "Speed", loop: "Loop", timeSlider: "Time", legend: "Who holds what", feed: "Changes",
    chart: "Area held (km²)", compare: "Compare two instants", compareFrom: "From", compareTo: "To",
    compareShow: "Show", compareClear: "Clear", gained: "gained", lost: "lost", share: "Share",
    shareTitle: "Share this map", link: "Link to this moment and view", copy: "Copy", copied: "Copied",
    embed: "Embed in a page", embedHint: "Paste this into your article. It fits any width (320 px and up).",
    preview: "Preview", downloads: "Download the data", geojson: "GeoJSON (this instant)", kml: "KML (this instant)",
    csv: "CSV (areas over time)", pictures: "Pictures", png: "Picture of this instant (PNG)",
    gif: "Animation of the period (GIF)", rendering: "Rendering… {s} s", rendered: "Ready: {kb} KB", renderFailed: "Could not render: {m}",
    close: "Close", language: "العربية", languageLabel: "Arabic version",
    claimed: "claimed", confirmed: "confirmed", inferred: "inferred", contested: "contested", since: "Held since", reports: "Reports",
    noChanges: "No recorded change.", loading: "Loading…", showHide: "Show or hide", km2: "km²",
    panel: "Legend, chart and changes", autoplay: "Autoplay", controls: "Time control", legendOpt: "Legend",
    viewFull: "Open the full map", errorLoad: "The map data could not be loaded.", unknown: "no data",
    holds: "holds", changedHands: "What changed", startState: "Initial situation",
    descAt: "Control of the area at {t}.", descHolds: "{f} holds {a} km²", descSince: "Since the previous change ({t}):",
    descNone: "No change at this instant.", chain: "How it got this colour",
    theme: "Theme", light: "Light", dark: "Dark", themeAuto: "Reader's setting", sinceBefore: "Held since before {d}",
    beforePeriod: "Before {d}",
    chartKeys: "Arrow keys move between changes; Home and End go to the start and the end.",
    chartTable: "Show the numbers as a table", chartWhen: "Time",
    compareOrder: "Pick a “From” instant that comes before the “To” instant.",
    compareBad: "These two instants cannot be compared; pick two instants from the lists.",
    compareGone: "The data have changed since this page was opened; reload the page to compare.",
    compareBusy: "The server is busy; try again in a moment.",
    compareOffline: "No connection to the server; check your connection and try again.",
    compareFailed: "The comparison could not be made; try again later.",
    followLatest: "Follow the latest data (the published map changes when the data are corrected)",
    pinned: "Pinned to data revision {rev}: readers see exactly this version.",
    following: "Not pinned: readers always see the latest data.",
    picturesHint: "Pictures show the factions and the part of the map you are looking at.",
    renderBusy: "the server is busy; try again in a minute", renderBad: "the picture could not be made with these settings",
    zoomHint: "Use Ctrl + scroll to zoom the map, or click the map first", zoomHintMac: "Use ⌘ + scroll to zoom the map, or click the map first",
    errorRev: "This map asks for data revision {rev}, which this server does not have.",
    errorFactions: "None of the factions this map asks for ({f}) are in the data.",
    errorNetwork: "The map could not be loaded: no connection to the server. Try again later.",
    playMode: "Playback: change by change, or real time (every day takes the same time)", byChange: "By change", byTime: "Real time",
    searchPlace: "Search a place", noPlaces: "No place found",
    lastUpdated: "Last updated {t}.", dataAsOf: "Data as of {t}", sourceLabel: "Source", fullscreen: "Full screen", exitFullscreen: "Exit full screen",
  },
  ar: {
    title: "خط الجبهة", play: "تشغيل", pause: "إيقاف مؤقت", prev: "التغيير السابق", next: "التغيير التالي",
    speed: "السرعة", loop: "تكرار", timeSlider: "الزمن", legend: "من يسيطر على ماذا", feed: "التغييرات",
    chart: "المساحة المسيطر عليها (كم²)", compare: "مقارنة لحظتين", compareFrom: "من", compareTo: "إلى",
    compareShow: "عرض", compareClear: "مسح", gained: "كسب", lost: "خسر", share: "مشاركة",
    shareTitle: "مشاركة هذه الخريطة", link: "رابط إلى هذه اللحظة وهذا العرض", copy: "نسخ", copied: "تم النسخ",
    embed: "التضمين في صفحة", embedHint: "الصق هذا في مقالك. يتكيّف مع أي عرض (من 320 بكسل).",
    preview: "معاينة", downloads: "تنزيل البيانات", geojson: "GeoJSON (هذه اللحظة)", kml: "KML (هذه اللحظة)",
    csv: "CSV (المساحات عبر الزمن)", pictures: "صور", png: "صورة هذه اللحظة (PNG)",
    gif: "رسم متحرك للفترة (GIF)", rendering: "جارٍ الرسم… {s} ث", rendered: "جاهز: {kb} ك.ب", renderFailed: "تعذّر الرسم: {m}",
    close: "إغلاق", language: "English", languageLabel: "English version",
    claimed: "مزعوم", confirmed: "مؤكَّد", inferred: "استنتاج", contested: "متنازع عليه", since: "تحت السيطرة منذ", reports: "التقارير",
    noChanges: "لا تغيير مسجَّل.", loading: "جارٍ التحميل…", showHide: "إظهار أو إخفاء", km2: "كم²",
    panel: "المفتاح والرسم البياني والتغييرات", autoplay: "تشغيل تلقائي", controls: "شريط الزمن", legendOpt: "المفتاح",
    viewFull: "فتح الخريطة الكاملة", errorLoad: "تعذّر تحميل بيانات الخريطة.", unknown: "لا بيانات",
    holds: "يسيطر على", changedHands: "ما الذي تغيّر", startState: "الوضع الأولي",
    descAt: "السيطرة على المنطقة في {t}.", descHolds: "{f} يسيطر على {a} كم²", descSince: "منذ التغيير السابق ({t}):",
    descNone: "لا تغيير في هذه اللحظة.", chain: "كيف صار هذا اللون",
    theme: "المظهر", light: "فاتح", dark: "داكن", themeAuto: "حسب إعداد القارئ", sinceBefore: "تحت السيطرة منذ ما قبل {d}",
    beforePeriod: "قبل {d}",
    chartKeys: "تنقّل مفاتيح الأسهم بين التغييرات؛ ويذهب Home وEnd إلى البداية والنهاية.",
    chartTable: "عرض الأرقام في جدول", chartWhen: "الوقت",
    compareOrder: "اختر لحظة «من» تسبق لحظة «إلى».",
    compareBad: "لا يمكن المقارنة بين هاتين اللحظتين؛ اختر لحظتين من القائمتين.",
    compareGone: "تغيّرت البيانات منذ فتح هذه الصفحة؛ أعد تحميل الصفحة للمقارنة.",
    compareBusy: "الخادم مشغول؛ حاول مجدداً بعد قليل.",
    compareOffline: "لا اتصال بالخادم؛ تحقّق من اتصالك وحاول مجدداً.",
    compareFailed: "تعذّرت المقارنة؛ حاول لاحقاً.",
    followLatest: "متابعة أحدث البيانات (تتغيّر الخريطة المنشورة عند تصحيح البيانات)",
    pinned: "مثبّتة على النسخة {rev} من البيانات: يرى القرّاء هذه النسخة بالضبط.",
    following: "غير مثبّتة: يرى القرّاء دائماً أحدث البيانات.",
    picturesHint: "تُظهر الصور الفصائل وجزء الخريطة الذي تنظر إليه.",
    renderBusy: "الخادم مشغول؛ حاول مجدداً بعد دقيقة", renderBad: "تعذّر صنع الصورة بهذه الإعدادات",
    zoomHint: "استخدم Ctrl مع التمرير لتكبير الخريطة، أو انقر على الخريطة أولاً", zoomHintMac: "استخدم ⌘ مع التمرير لتكبير الخريطة، أو انقر على الخريطة أولاً",
    errorRev: "تطلب هذه الخريطة النسخة {rev} من البيانات، وهي غير موجودة على هذا الخادم.",
    errorFactions: "لا يوجد في البيانات أيٌّ من الفصائل التي تطلبها هذه الخريطة ({f}).",
    errorNetwork: "تعذّر تحميل الخريطة: لا اتصال بالخادم. حاول لاحقاً.",
    playMode: "التشغيل: تغييراً بتغيير، أو بالزمن الحقيقي (لكل يوم المدة نفسها)", byChange: "تغييراً بتغيير", byTime: "بالزمن الحقيقي",
    searchPlace: "ابحث عن مكان", noPlaces: "لم يُعثر على مكان",
    lastUpdated: "آخر تحديث {t}.", dataAsOf: "البيانات حتى {t}", sourceLabel: "المصدر", fullscreen: "ملء الشاشة", exitFullscreen: "الخروج من ملء الشاشة",
  },
};

export function normLang(lang) { return lang === "ar" ? "ar" : "en"; }

export function tr(lang, key, vars = {}) {
  const s = (STRINGS[normLang(lang)][key] ?? STRINGS.en[key] ?? key);
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] ?? ""));
}

// A data object's field in the chosen language, falling back to English: field(f, "name", "ar") -> f.name_ar.
export function field(obj, name, lang) {
  if (!obj) return "";
  return (normLang(lang) === "ar" && obj[`${name}_ar`]) || obj[`${name}_en`] || "";
}

export function formatKm2(value, lang) {
  return new Intl.NumberFormat(normLang(lang) === "ar" ? "ar" : "en", { maximumFractionDigits: 0 }).format(value || 0);
}

export const STRINGS_FOR_TESTS = STRINGS;
