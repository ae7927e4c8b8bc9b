// The editor's words in Arabic when the page is Arabic (<html lang="ar">, from ?lang=ar); English is the key
// and the fallback. tr("Saved: change {id} is revision {rev}.", {id, rev}) fills the {names}.
// Messages that come from the server stay as the server wrote them.

export const LANG = globalThis.document && document.documentElement.lang === "ar" ? "ar" : "en";

const AR = {
  "No area drawn yet.": "لم تُرسم أي منطقة بعد.",
  "1 shape drawn: it is the area of the change.": "شكل واحد مرسوم: هو منطقة التغيير.",
  "{n} shapes drawn: together they are the area of the change (a MultiPolygon).": "{n} أشكال مرسومة: هي معًا منطقة التغيير (مضلع متعدد).",
  "Could not sign out: {msg}": "تعذّر الخروج: {msg}",
  "None: the map after this instant is unchanged.": "لا شيء: الخريطة بعد هذه اللحظة لا تتغير.",
  "None.": "لا شيء.",
  "The map shows {t} under the preview; your change stays at its own instant.": "تعرض الخريطة {t} تحت المعاينة؛ يبقى تغييرك في لحظته.",
  "Your unsaved draft from {when} is restored.": "استُعيدت مسودتك غير المحفوظة من {when}.",
  "Your unsaved draft is restored.": "استُعيدت مسودتك غير المحفوظة.",
  "The map has changed since (revision {from} → {to}): check the newer edits before saving.": "تغيّرت الخريطة منذ ذلك الحين (المراجعة {from} ← {to}): راجع التعديلات الأحدث قبل الحفظ.",
  "The editor could not start: {msg}": "تعذّر تشغيل المحرر: {msg}",
  "— choose —": "— اختر —",
  "Draw the area that changed hands on the map first.": "ارسم أولًا على الخريطة المنطقة التي تبدّلت السيطرة عليها.",
  "Choose the faction taking control.": "اختر الفصيل المسيطر.",
  "Give the instant of the change.": "حدّد لحظة التغيير.",
  "Cite at least one report (add a new one if it is not in the list).": "استشهد بتقرير واحد على الأقل (أضف تقريرًا جديدًا إن لم يكن في القائمة).",
  "Your session has ended: sign in again in another tab, then retry (your drawing is kept here).": "انتهت جلستك: ادخل مجددًا في لسان آخر ثم أعد المحاولة (رسمك محفوظ هنا).",
  "Could not reach the server: {msg}": "تعذّر الوصول إلى الخادم: {msg}",
  "Write the public summary: one sentence viewers will read (the note stays private).": "اكتب الملخص العام: جملة واحدة يقرؤها الجمهور (تبقى الملاحظة خاصة).",
  "Saved: change {id} is revision {rev}.": "حُفظ: التغيير {id} هو المراجعة {rev}.",
  "Reloaded revision {rev}. Your drawing and form are kept: check the newer edits, then save again.": "أُعيد تحميل المراجعة {rev}. رسمك والنموذج محفوظان: راجع التعديلات الأحدث ثم احفظ مجددًا.",
  "#{id} by {who} — {what}": "#{id} بواسطة {who} — {what}",
  "reverted #{id}": "تراجع عن #{id}",
  "someone": "شخص ما",
  "(no summary)": "(بلا ملخص)",
  "Give the report's title.": "اكتب عنوان التقرير.",
  "Give the publisher.": "اكتب اسم الناشر.",
  "Give the publication date and time.": "حدّد تاريخ النشر ووقته.",
  "Report added and cited: {title}": "أُضيف التقرير واستُشهد به: {title}",
  "{name} holds no zone at the instant on the map: pick another faction or instant.": "لا يسيطر {name} على أي منطقة في اللحظة المعروضة: اختر فصيلًا أو لحظة أخرى.",
  "Editing the zone of {name}: drag its vertices, then “Use the difference”.": "تحرير منطقة {name}: اسحب رؤوسها ثم «استخدام الفرق».",
  "The zone is unchanged: nothing to record.": "المنطقة لم تتغير: لا شيء لتسجيله.",
  "{name} gains {km2} km²: the drawn area is the change. Check the form, preview, save.": "يكسب {name} {km2} كم²: المنطقة المرسومة هي التغيير. راجع النموذج، عاين، احفظ.",
  "{name} gives up {km2} km²: choose the faction that took it.": "يخسر {name} {km2} كم²: اختر الفصيل الذي سيطر عليها.",
  "The zone also gave up {km2} km² of {name}'s area: after this change is saved, that area is loaded as the next change, for you to say who took it.": "خسرت المنطقة أيضًا {km2} كم² من مساحة {name}: بعد حفظ هذا التغيير تُحمَّل تلك المساحة تغييرًا تاليًا لتحدد من سيطر عليها.",
  "Now the {km2} km² that {name} gave up: choose who took it, then preview and save.": "الآن الـ {km2} كم² التي خسرها {name}: اختر من سيطر عليها ثم عاين واحفظ.",
  "Cutting the zone of {name}: draw a line across it.": "قطع منطقة {name}: ارسم خطًا يعبرها.",
  "Side {n}: {km2} km²": "الجهة {n}: {km2} كم²",
  "The line cuts the zone of {name} into {n} pieces: click the side that passed to another faction.": "يقطع الخط منطقة {name} إلى {n} أجزاء: انقر الجهة التي انتقلت إلى فصيل آخر.",
  "The chosen side ({km2} km² of {name}'s zone) is the change: choose who took it, preview, save.": "الجهة المختارة ({km2} كم² من منطقة {name}) هي التغيير: اختر من سيطر عليها، عاين، احفظ.",
  "No place called “{q}” in the gazetteer.": "لا يوجد مكان باسم «{q}» في المعجم الجغرافي.",
  "Could not search: {msg}": "تعذّر البحث: {msg}",
  "Paste a report's text or pick a stored report first.": "الصق نص تقرير أو اختر تقريرًا محفوظًا أولًا.",
  "No known place found in this text.": "لم يُعثر على مكان معروف في هذا النص.",
  "{n} places found — click one to zoom to it.": "عُثر على {n} أماكن — انقر أحدها للتكبير إليه.",
  "1 place found — click it to zoom to it.": "عُثر على مكان واحد — انقره للتكبير إليه.",
  "{kind} · matched “{name}”": "{kind} · طابق «{name}»",
  "place": "مكان",
  "(no public summary)": "(بلا ملخص عام)",
  "Note: {text}": "ملاحظة: {text}",
  "Reports: {list}": "التقارير: {list}",
  "Show on map": "عرض على الخريطة",
  "Could not load the change: {msg}": "تعذّر تحميل التغيير: {msg}",
  "system": "النظام",
  "Data set loaded": "حُمّلت مجموعة البيانات",
  "Data set loaded ({n} changes)": "حُمّلت مجموعة البيانات ({n} تغييرًا)",
  "Undid revert #{id}: restored": "أُلغي التراجع #{id}: استُعيد",
  "Reverted #{id}:": "تراجع عن #{id}:",
  "Reason: {text}": "السبب: {text}",
  "reverted by #{id}": "تراجع عنه #{id}",
  "reverted": "متراجع عنه",
  "undone": "أُلغي",
  "Undo this revert": "إلغاء هذا التراجع",
  "Revert": "تراجع",
  "Reason ": "السبب ",
  "why (optional)": "لماذا (اختياري)",
  "Confirm revert of #{id}": "تأكيد التراجع عن #{id}",
  "Cancel": "إلغاء",
  "Revision {id} reverted: the map is now revision {rev}.": "تم التراجع عن المراجعة {id}: الخريطة الآن المراجعة {rev}.",
  "Reload": "إعادة التحميل",
  "Could not load the history: {msg}": "تعذّر تحميل السجل: {msg}",
  "change": "تغيير",
  "revert": "تراجع",
  "load": "تحميل",
  "confirmed": "مؤكد",
  "claimed": "مُدّعى",
  // The accounts page
  " (you)": " (أنت)",
  "Role of {name}": "دور {name}",
  "editor": "محرر",
  "admin": "مشرف",
  "active": "نشط",
  "disabled": "معطّل",
  "never": "أبدًا",
  " · {n} sessions": " · {n} جلسات",
  " · 1 session": " · جلسة واحدة",
  "Disable": "تعطيل",
  "Enable": "تفعيل",
  "Reset password": "إعادة تعيين كلمة المرور",
  "New password ": "كلمة المرور الجديدة ",
  "empty: generate one": "فارغة: تُولَّد واحدة",
  "Set password": "تعيين كلمة المرور",
  "{name} is now {role}; their sessions have ended, they sign in again.": "{name} الآن {role}؛ انتهت جلساته ويدخل مجددًا.",
  "{name} is disabled and signed out everywhere.": "عُطّل {name} وأُخرج من كل مكان.",
  "{name} can sign in again.": "يمكن لـ {name} الدخول مجددًا.",
  "New password for {name} (their sessions have ended):": "كلمة مرور جديدة لـ {name} (انتهت جلساته):",
  "Password of {name} changed; their sessions have ended.": "تغيّرت كلمة مرور {name}؛ انتهت جلساته.",
  "give a user name": "اكتب اسم مستخدم",
  "Account {name} ({role}) added. Its password:": "أُضيف الحساب {name} ({role}). كلمة مروره:",
  "Account {name} ({role}) added.": "أُضيف الحساب {name} ({role}).",
};

export function tr(text, vars = {}) {
  const s = LANG === "ar" && Object.hasOwn(AR, text) ? AR[text] : text;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// A faction's name in the page's language.
export function factionLabel(f) {
  if (LANG === "ar") return f.name_ar || f.name_en;
  return f.name_ar ? `${f.name_en} · ${f.name_ar}` : f.name_en;
}

// km² with one decimal, in the page's digits.
export function km2(v) {
  return (Math.round(v * 10) / 10).toLocaleString(LANG === "ar" ? "ar" : "en", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}
