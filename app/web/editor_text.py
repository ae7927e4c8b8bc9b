"""The editor's, sign-in's and accounts page's words in Arabic (`?lang=ar`); English is the key and the
fallback. Server error messages stay in English (they are sentences for a person and for scripts alike)."""
from __future__ import annotations

from collections.abc import Callable

AR = {
    "(Esc)": "(Esc)",
    "Account": "الحساب",
    "Accounts": "الحسابات",
    "Accounts · Frontline": "الحسابات · Frontline",
    "Actions": "إجراءات",
    "Add a new report": "إضافة تقرير جديد",
    "Add account": "إضافة الحساب",
    "Add an account": "إضافة حساب",
    "Add report": "إضافة التقرير",
    "Address (URL)": "الرابط (URL)",
    "Arabic": "العربية",
    "Back to the editor": "العودة إلى المحرر",
    "Cancel": "إلغاء",
    "Change": "التغيير",
    "Clear pins": "مسح الدبابيس",
    "Clear shapes": "مسح الأشكال",
    "Click points of a line across the zone, from outside one edge to outside another; click the last point again or press Enter to finish.":
        "انقر نقاط خط يعبر المنطقة، من خارج حافة إلى خارج حافة أخرى؛ انقر النقطة الأخيرة مرة ثانية أو اضغط Enter للإنهاء.",
    "Confidence": "درجة الثقة",
    "Continue to the editor": "المتابعة إلى المحرر",
    "Ctrl/⌘-click for several": "Ctrl/⌘ مع النقر لاختيار أكثر من واحد",
    "Cut along a line": "قطع على طول خط",
    "Discard draft": "تجاهل المسودة",
    "Drag the zone's vertices (handles) to where the front is now; click a midpoint to add a vertex, right-click a vertex to remove it. Nothing changes until you use the difference.":
        "اسحب رؤوس المنطقة (المقابض) إلى حيث الجبهة الآن؛ انقر نقطة وسطى لإضافة رأس، وانقر رأسًا بالزر الأيمن لحذفه. لا يتغير شيء حتى تستخدم الفرق.",
    "Draw polygon": "رسم مضلع",
    "Draw rectangle": "رسم مستطيل",
    "Editing": "التحرير",
    "Editor": "المحرر",
    "Editor · Frontline": "المحرر · Frontline",
    "Editors record who controls what, citing the reports behind each change.":
        "يسجّل المحررون من يسيطر على ماذا، مع ذكر التقارير التي يستند إليها كل تغيير.",
    "English": "الإنجليزية",
    "Faction": "الفصيل",
    "Faction colours": "ألوان الفصائل",
    "Faction taking control": "الفصيل المسيطر",
    "Find": "بحث",
    "Find a place": "ابحث عن مكان",
    "Find places": "إيجاد الأماكن",
    "French": "الفرنسية",
    "History": "السجل",
    "I have passed it on": "لقد سلّمتها",
    "Instant": "اللحظة",
    "Instant shown on the map": "اللحظة المعروضة على الخريطة",
    "It is shown only now: hand it over in person or through a channel you trust. The user can sign in with it at once.":
        "تظهر الآن فقط: سلّمها شخصيًا أو عبر قناة تثق بها. يمكن للمستخدم الدخول بها فورًا.",
    "Keys: Enter finishes a shape, Esc cancels it, Ctrl+Z / Ctrl+Shift+Z undo and redo.":
        "المفاتيح: Enter ينهي الشكل، Esc يلغيه، Ctrl+Z / Ctrl+Shift+Z للتراجع والإعادة.",
    "Kurdish": "الكردية",
    "Language": "اللغة",
    "Map": "الخريطة",
    "Map shows": "الخريطة تعرض",
    "Map: draw the area that changed hands": "الخريطة: ارسم المنطقة التي تبدّلت السيطرة عليها",
    "Move the front": "تحريك الجبهة",
    "Move the front from a zone, cut a zone along a line, or draw the area that changed hands.":
        "حرّك الجبهة انطلاقًا من منطقة، أو اقطع منطقة على طول خط، أو ارسم المنطقة التي تبدّلت السيطرة عليها.",
    "Next change instant": "لحظة التغيير التالية",
    "No area drawn yet.": "لم تُرسم أي منطقة بعد.",
    "Note": "ملاحظة",
    "On the map: solid outline = gained, dashed = lost. Nothing is stored until you save.":
        "على الخريطة: الخط المتصل = مكسب، المتقطع = خسارة. لا يُخزَّن شيء حتى تحفظ.",
    "Only admins can manage accounts. You are signed in as an editor; ask an admin to change your role if you need this page.":
        "إدارة الحسابات للمشرفين فقط. أنت داخل بصفة محرر؛ اطلب من مشرف تغيير دورك إن احتجت هذه الصفحة.",
    "Password": "كلمة المرور",
    "Paste a report (English or Arabic) or pick a stored report: the places it names are pinned on the map, so you can draw around them.":
        "الصق تقريرًا (بالإنجليزية أو العربية) أو اختر تقريرًا محفوظًا: تُثبَّت الأماكن التي يذكرها على الخريطة لترسم حولها.",
    "Preview": "معاينة",
    "Preview, then save.": "عاين ثم احفظ.",
    "Previous change instant": "لحظة التغيير السابقة",
    "Public map": "الخريطة العامة",
    "Public summary": "الملخص العام",
    "Public summary in Arabic": "الملخص العام بالعربية",
    "Published": "تاريخ النشر",
    "Publisher": "الناشر",
    "Redo": "إعادة",
    "Redo (Ctrl+Shift+Z)": "إعادة (Ctrl+Shift+Z)",
    "Refresh": "تحديث",
    "Reload and reapply": "إعادة التحميل وإعادة التطبيق",
    "Report text": "نص التقرير",
    "Report → places": "تقرير ← أماكن",
    "Reports cited": "التقارير المستشهد بها",
    "Role": "الدور",
    "Save change": "حفظ التغيير",
    "Say who took it, when, on which reports, and what viewers should read.":
        "قل من سيطر عليها ومتى واستنادًا إلى أي تقارير، وما الذي سيقرؤه الجمهور.",
    "Sign in": "دخول",
    "Sign in to the editor": "الدخول إلى المحرر",
    "Sign in · Frontline editor": "الدخول · محرر Frontline",
    "Sign out": "خروج",
    "Signed in": "آخر دخول",
    "Start from this zone": "البدء من هذه المنطقة",
    "State": "الحالة",
    "Stored report": "تقرير محفوظ",
    "Summary of its claims": "ملخص ما يقوله",
    "The revision you are editing": "المراجعة التي تحررها",
    "Title": "العنوان",
    "Turkish": "التركية",
    "Undo": "تراجع",
    "Undo (Ctrl+Z)": "تراجع (Ctrl+Z)",
    "Use the difference": "استخدام الفرق",
    "User": "المستخدم",
    "User name": "اسم المستخدم",
    "You are signed in as": "أنت داخل باسم",
    "Zone of": "منطقة",
    "accounts": "الحسابات",
    "admin": "مشرف",
    "after km²": "بعد (كم²)",
    "before km²": "قبل (كم²)",
    "change km²": "التغيير (كم²)",
    "claimed": "مُدّعى",
    "confirmed": "مؤكد",
    "e.g. Rebels take Saraqib": "مثلًا: الفصائل تسيطر على سراقب",
    "editor": "محرر",
    "in your own words": "بكلماتك",
    "leave empty to generate one (shown once)": "اتركها فارغة لتوليد واحدة (تظهر مرة واحدة)",
    "letters, digits, . - _": "حروف وأرقام و . - _",
    "local time,": "بالتوقيت المحلي،",
    "optional": "اختياري",
    "other": "أخرى",
    "private to editors, never published": "خاصة بالمحررين، لا تُنشر أبدًا",
    "required; viewers read it": "مطلوب؛ يقرؤه الجمهور",
    "revision": "المراجعة",
    "town, village, district (English or Arabic)": "مدينة، قرية، حي (بالعربية أو الإنجليزية)",
    "— paste text instead —": "— أو الصق نصًا —",
    "← Back to the public map": "→ العودة إلى الخريطة العامة",
    # Sign-in messages (app/web/pages.py LOGIN_ERRORS)
    "Wrong user name or password.": "اسم المستخدم أو كلمة المرور غير صحيحة.",
    "Too many failed sign-ins. Wait 15 minutes and try again.": "محاولات دخول فاشلة كثيرة. انتظر 15 دقيقة ثم حاول مجددًا.",
    "You are signed out.": "لقد خرجت.",
    "Your session has ended. Sign in again.": "انتهت جلستك. ادخل مجددًا.",
    "Sign-in failed. Try again.": "فشل الدخول. حاول مجددًا.",
}


def lang_of(value: str | None) -> str:
    return "ar" if value == "ar" else "en"


def translator(lang: str) -> Callable[[str], str]:
    if lang == "ar":
        return lambda s: AR.get(s, s)
    return lambda s: s
