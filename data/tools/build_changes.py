#!/usr/bin/env python3
"""Build data/geojson/changes.geojson for the Aleppo 2024 data set from hand-authored coordinates.

Usage (needs shapely >= 2; matplotlib only for --png):
    python data/tools/build_changes.py            # write changes.geojson, then validate it
    python data/tools/build_changes.py --check    # validate the existing file only
    python data/tools/build_changes.py --png DIR  # also draw one PNG per day into DIR

How it works. Every change below is a polygon drawn by the editor (lon, lat; EPSG:4326) plus the
factions it takes ground from (`take`). The drawn polygon is clipped to Syria's border (Natural Earth,
data/geojson/base/worldatlas_neighbours_admin0.geojson) and to the data set's extent, and then to the
ground those factions hold at that moment in the fold. So a stored change is exactly the area that
changes hands, and its edges coincide with the existing front wherever the drawing overshoots it: no
slivers from two hand-drawn lines that almost agree. Baseline features (at the data set's start) are
layered in order, later ones overriding earlier ones, as docs/data-format.md describes.

Coordinates are the editor's reconstruction (see data/README.md): within a few hundred metres inside
Aleppo city where the neighbourhood layout is known, about 2 km around countryside towns. Every line is
hand-authored here; the only base layer used is Natural Earth's border (public domain), so the output
carries no third-party licence terms.

Finally all changes are rebuilt from the faces of one planar partition of their edges (see
`partition`), so that the fold over the written file has no needles or slivers, and the file is checked:
valid geometry inside the extent, known factions and reports, every report cited, no overlap between
factions after any change, no slivers or needles, and every point in tests/fixtures/story_checks.json
held by the expected faction and at least 300 m from its zone's edge.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import datetime
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box, mapping, shape
from shapely.ops import polygonize, unary_union
from shapely.strtree import STRtree
from shapely.validation import make_valid

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
OUT = DATA / "geojson" / "changes.geojson"
CHECKS = ROOT / "tests" / "fixtures" / "story_checks.json"
MIN_PART = 1e-10     # deg^2 (~1 m^2): smaller pieces are dropped as numerical dust
SLIVER = 1e-6        # deg^2 (~0.01 km^2): leftovers this small next to a change are absorbed by it

# --------------------------------------------------------------------------------------------------
# Shared lines (reused so that neighbouring polygons share exact vertices)

# HTS Idlib pocket / SNA Afrin region, west -> east (the first point lies in Turkey and is clipped)
HTS_SNA = [(36.55, 36.31), (36.62, 36.335), (36.68, 36.35), (36.72, 36.352), (36.78, 36.347),
           (36.83, 36.345), (36.88, 36.345), (36.925, 36.345)]
# Government / HTS front line as of 26 Nov 2024, north -> south -> west
HTS_SAA = [(36.925, 36.345), (36.905, 36.31), (36.885, 36.28), (36.88, 36.25), (36.875, 36.22),
           (36.865, 36.19), (36.86, 36.165), (36.855, 36.14), (36.85, 36.11), (36.84, 36.08),
           (36.83, 36.05), (36.815, 36.02), (36.80, 35.98), (36.785, 35.95), (36.77, 35.925),
           (36.755, 35.895), (36.735, 35.87), (36.71, 35.85), (36.685, 35.83), (36.66, 35.81),
           (36.645, 35.77), (36.63, 35.73), (36.62, 35.70), (36.58, 35.665), (36.54, 35.677),
           (36.48, 35.69), (36.42, 35.70), (36.36, 35.712), (36.30, 35.725), (36.25, 35.74),
           (36.20, 35.765), (36.17, 35.79), (36.14, 35.825)]
# back to the start through Turkey (clipped away)
HTS_TURKEY = [(36.13, 35.87), (36.17, 35.95), (36.25, 36.05), (36.33, 36.26), (36.45, 36.30)]

# SNA (Afrin, Azaz, Marea, al-Bab, Jarabulus) / government, west -> east, around the SDF's Tal Rifaat
# pocket (the points inside the pocket are overridden by the pocket, which is layered later)
SNA_SAA = [(36.925, 36.345), (36.95, 36.37), (36.975, 36.405), (37.06, 36.46), (37.15, 36.46),
           (37.165, 36.46), (37.20, 36.455), (37.25, 36.445), (37.33, 36.43), (37.40, 36.40),
           (37.46, 36.372), (37.50, 36.362), (37.535, 36.357), (37.58, 36.37), (37.65, 36.40),
           (37.69, 36.43)]
# Sajur river line: SNA (north) / SDF Manbij pocket (south), west -> east to the Euphrates
SAJUR = [(37.73, 36.615), (37.80, 36.625), (37.87, 36.645), (37.95, 36.665), (38.02, 36.68),
         (38.08, 36.69)]
# Manbij pocket (SDF) / government, west -> east to Lake Assad
MANBIJ_SOUTH = [(37.69, 36.43), (37.72, 36.40), (37.85, 36.36), (38.00, 36.32), (38.10, 36.28)]
# Euphrates (the river west bank line), from the Turkish border to the Tishrin dam at the lake's head
EUPHRATES = [(38.015, 36.86), (38.035, 36.78), (38.06, 36.72), (38.09, 36.68), (38.15, 36.64),
             (38.20, 36.60), (38.22, 36.55), (38.23, 36.50), (38.21, 36.45), (38.195, 36.40),
             (38.19, 36.375)]
# Lake Assad: SDF (lake, dams, east and north shores, Tabqa) / government (west and south-west shores),
# drawn by the editor along the western shore, from the Tishrin dam to the south shore west of Tabqa
LAKE_WEST = [(38.18, 36.33), (38.17, 36.28), (38.12, 36.26), (38.09, 36.22), (38.06, 36.17),
             (38.04, 36.11), (38.05, 36.05), (38.10, 36.00), (38.15, 35.95), (38.22, 35.92), (38.28, 35.88)]

# SDF's Tal Rifaat ("Shahba") pocket, clockwise from its south-west corner
TAL_RIFAAT_POCKET = [(36.975, 36.405), (36.962, 36.44), (36.965, 36.475), (36.98, 36.505),
                     (37.005, 36.53), (37.035, 36.545), (37.07, 36.548), (37.105, 36.53),
                     (37.14, 36.51), (37.158, 36.49), (37.165, 36.46), (37.16, 36.42),
                     (37.14, 36.385), (37.11, 36.36), (37.075, 36.37), (37.04, 36.39),
                     (37.005, 36.40)]

# ---- Aleppo city ----
# Built-up outline of the city (clockwise from Rashideen in the south-west)
ALEPPO = [(37.062, 36.178), (37.068, 36.200), (37.072, 36.218), (37.082, 36.232), (37.100, 36.240),
          (37.118, 36.247), (37.135, 36.250), (37.150, 36.248), (37.165, 36.252), (37.180, 36.258),
          (37.198, 36.255), (37.212, 36.243), (37.222, 36.225), (37.220, 36.205), (37.212, 36.192),
          (37.200, 36.175), (37.188, 36.160), (37.178, 36.146), (37.162, 36.140), (37.145, 36.142),
          (37.128, 36.150), (37.110, 36.155), (37.090, 36.160), (37.072, 36.165)]
# Sheikh Maqsoud (east, on the hill) and Ashrafiyah (west): SDF-held before the offensive
SHEIKH_MAQSOUD_ASHRAFIYAH = [(37.136, 36.2185), (37.139, 36.226), (37.146, 36.232), (37.152, 36.2395),
                             (37.160, 36.2425), (37.168, 36.240), (37.1715, 36.233), (37.170, 36.225),
                             (37.166, 36.2195), (37.158, 36.2175), (37.150, 36.2175), (37.143, 36.216)]
# Neighbourhoods adjoining Sheikh Maqsoud to the north and east, taken over by the SDF on 30 Nov
SDF_ADJOINING = [(37.160, 36.2425), (37.165, 36.252), (37.180, 36.258), (37.192, 36.256),
                 (37.196, 36.245), (37.192, 36.232), (37.182, 36.224), (37.170, 36.225),
                 (37.1715, 36.233), (37.168, 36.240)]
# The last government pocket in the south and south-west (Military Academy, palace, Ramouseh,
# Sheikh Saeed); split at 37.146 E into its western (academy/palace) and eastern (Ramouseh) parts
POCKET = [(37.100, 36.150), (37.104, 36.162), (37.112, 36.172), (37.122, 36.180), (37.134, 36.182),
          (37.142, 36.178), (37.150, 36.177), (37.160, 36.180), (37.172, 36.178), (37.182, 36.170),
          (37.185, 36.158), (37.180, 36.145), (37.168, 36.134), (37.150, 36.132), (37.130, 36.136),
          (37.112, 36.140)]
POCKET_SPLIT_LON = 37.146
# Western suburbs / Aleppo University area boundary (New Aleppo and al-Zahraa to the west)
L_WEST = [(37.105, 36.26), (37.106, 36.225), (37.104, 36.205), (37.100, 36.185), (37.104, 36.162)]
# University area / central city boundary
L_UNI = [(37.128, 36.26), (37.132, 36.235), (37.136, 36.2185), (37.136, 36.205), (37.135, 36.190),
         (37.134, 36.182)]
# the pocket's northern edge between the two lines above
POCKET_NORTH_WEST = [(37.112, 36.172), (37.122, 36.180)]
# line shared by the 28 Nov changes west of Aleppo
S34 = [(36.86, 36.09), (36.90, 36.10), (36.95, 36.115), (37.00, 36.13)]
# line shared by the 29 Nov north-western countryside change and the 30 Nov Nubl/Zahraa change
N8 = [(36.93, 36.335), (36.96, 36.345), (36.985, 36.345), (37.04, 36.35), (37.075, 36.345), (37.11, 36.35)]


def P(coords) -> Polygon:
    return Polygon(coords)


def pocket_parts():
    pocket = P(POCKET)
    west = pocket.intersection(box(37.0, 36.0, POCKET_SPLIT_LON, 36.3))
    east = pocket.difference(west)
    return pocket, west, east


POCKET_ALL, POCKET_W, POCKET_E = pocket_parts()
CITY = P(ALEPPO)


# --------------------------------------------------------------------------------------------------
# Reports (keys as in data/reports.json)
R000, R001, R002, R003, R004 = "r000-palace", "r001-jpost", "r002-sohr-majority", "r003-sohr-citadel", \
    "r004-analysis"

BASE_NOTE = ("Front lines as of 26 Nov 2024 reconstructed by the editor from well-known public maps of "
             "the pre-offensive situation (2020 Idlib ceasefire lines, Olive Branch / Euphrates Shield "
             "zones); accurate to about 2 km.")


def C(key, at, faction, geom, reports, confidence, summary_en, summary_ar, note=None, take=None,
      minus=None):
    return dict(key=key, at=at, faction=faction, geom=geom, reports=reports, confidence=confidence,
                summary_en=summary_en, summary_ar=summary_ar, note=note, take=take, minus=minus)


START = "2024-11-27T00:00:00+03:00"


def changes(domain):
    sdf_east = unary_union([
        # east of the Euphrates, Lake Assad, and the Tabqa area south of the lake
        P([(38.0, 37.0)] + EUPHRATES + LAKE_WEST + [(38.28, 35.78), (39.0, 35.78), (39.0, 37.0)]),
        # Manbij pocket, west of the river between the Sajur and the lake
        P(SAJUR + [(38.3, 36.69), (38.3, 36.25)] + MANBIJ_SOUTH[::-1]
          + [(37.695, 36.48), (37.72, 36.53), (37.73, 36.58)]),
    ])
    sna_north = P([(36.45, 37.0), (38.10, 37.0), (38.10, 36.69)] + SAJUR[::-1] +
                  [(37.73, 36.58), (37.72, 36.53), (37.695, 36.48)] + SNA_SAA[::-1] +
                  HTS_SNA[::-1][1:] + [(36.45, 36.30)])
    hts_idlib = P(HTS_SNA + HTS_SAA[1:] + HTS_TURKEY)

    return [
        # ------------------------------------------------------------------ baseline (26 Nov 2024)
        C("2024-11-27-baseline-saa", START, "saa", domain, [R000, R004], "confirmed",
          "Before the offensive the government held Aleppo city (since 2016), the M5 corridor south to "
          "Hama, the east of Aleppo province to Lake Assad, and the west of the country.",
          "قبل الهجوم كانت الحكومة تسيطر على مدينة حلب (منذ عام 2016) وعلى ممر الطريق M5 جنوباً حتى حماة، "
          "وعلى شرق محافظة حلب حتى بحيرة الأسد، وعلى غرب البلاد.",
          "Background layer: the whole extent inside Syria, overridden by the baseline features after "
          "it. The reports state the regime had held Aleppo since 2016; the wider area is public "
          "knowledge. " + BASE_NOTE),
        C("2024-11-27-baseline-sna-north", START, "sna", sna_north, [R003], "claimed",
          "Before the offensive the Turkish-backed Syrian National Army held the northern Aleppo "
          "countryside: Afrin, Azaz, Marea, al-Bab and Jarabulus, up to the Sajur river.",
          "قبل الهجوم كان الجيش الوطني السوري المدعوم من تركيا يسيطر على ريف حلب الشمالي: عفرين وأعزاز "
          "ومارع والباب وجرابلس حتى نهر الساجور.",
          "Report 003 names Turkish-backed factions but not their territory; the Olive Branch and "
          "Euphrates Shield zones are public knowledge, hence 'claimed'. " + BASE_NOTE),
        C("2024-11-27-baseline-sdf-east", START, "sdf", sdf_east, [R001], "claimed",
          "Before the offensive the SDF held the lands east of the Euphrates, Lake Assad and Tabqa, and "
          "the Manbij pocket west of the river.",
          "قبل الهجوم كانت قوات سوريا الديمقراطية تسيطر على المناطق الواقعة شرق الفرات وبحيرة الأسد "
          "والطبقة، وعلى جيب منبج غرب النهر.",
          "Report 001 describes the country as split between SDF- and government-held regions; the "
          "lines (Sajur river, Arima, south of Manbij, south of Tabqa) are public knowledge. The Turkish-"
          "held Tal Abyad zone lies just east of the extent and is not drawn. " + BASE_NOTE),
        C("2024-11-27-baseline-hts-idlib", START, "hts", hts_idlib, [R002, R003], "confirmed",
          "Before the offensive HTS and allied factions held the Idlib pocket and the western edge of "
          "the Aleppo countryside (Atarib, Darat Izza); Saraqib and Maarat al-Numan were government-held.",
          "قبل الهجوم كانت هيئة تحرير الشام والفصائل المتحالفة معها تسيطر على جيب إدلب وعلى الطرف الغربي "
          "من ريف حلب (الأتارب ودارة عزة)، بينما كانت سراقب ومعرة النعمان بيد الحكومة.",
          "Report 002 says HTS controls much of Idlib; report 003 mentions the 2020 Idlib ceasefire. "
          + BASE_NOTE),
        C("2024-11-27-baseline-sdf-tal-rifaat", START, "sdf", P(TAL_RIFAAT_POCKET), [R001], "claimed",
          "Before the offensive the SDF held the Tal Rifaat pocket north of Aleppo (Tal Rifaat, Menagh "
          "air base); neighbouring Nubl and al-Zahraa were government-held.",
          "قبل الهجوم كانت قوات سوريا الديمقراطية تسيطر على جيب تل رفعت شمال حلب (تل رفعت ومطار منغ)، "
          "بينما كانت بلدتا نبل والزهراء المجاورتان بيد الحكومة.",
          "Not in the reports; public knowledge. " + BASE_NOTE),
        C("2024-11-27-baseline-sdf-sheikh-maqsoud", START, "sdf", P(SHEIKH_MAQSOUD_ASHRAFIYAH),
          [R000, R001], "confirmed",
          "Before the offensive the SDF held the Kurdish-majority neighbourhoods of Sheikh Maqsoud and "
          "Ashrafiyah in the north of Aleppo city.",
          "قبل الهجوم كانت قوات سوريا الديمقراطية تسيطر على حيّي الشيخ مقصود والأشرفية ذوي الغالبية "
          "الكردية شمالي مدينة حلب.",
          "Reports 000 and 001 describe SDF-held Kurdish neighbourhoods in the north of the city. "
          "Neighbourhood edges drawn from the city's layout, to a few hundred metres."),

        # ------------------------------------------------------------------ 27 November
        C("2024-11-27-west-aleppo-villages", "2024-11-27T11:00:00+03:00", "hts",
          P([(36.80, 36.30), (36.925, 36.345), (36.95, 36.335), (36.975, 36.30), (36.985, 36.24),
             (36.975, 36.20), (36.93, 36.195), (36.80, 36.195)]),
          [R002, R004], "claimed",
          "The offensive opens west of Aleppo: HTS-led factions take the first villages beyond the "
          "front, around Sheikh Aqil, Qubtan al-Jabal and Anjara.",
          "انطلاق الهجوم غرب حلب: فصائل بقيادة هيئة تحرير الشام تسيطر على أولى القرى خلف خط الجبهة، "
          "حول الشيخ عقيل وقبتان الجبل وعنجارة.",
          "Reports 002 and 004 date the start to Wednesday 27 Nov; the villages taken that day are "
          "public knowledge from the first day's coverage, hence 'claimed'.", take=["saa"]),
        C("2024-11-27-base-46", "2024-11-27T20:00:00+03:00", "hts",
          P([(36.80, 36.195), (36.92, 36.195), (36.93, 36.165), (36.905, 36.148), (36.80, 36.15)]),
          [R004], "claimed",
          "Opposition fighters overrun the army's Base 46 (Regiment 46) east of Atarib and the nearby "
          "village of Urum al-Sughra.",
          "مقاتلو المعارضة يسيطرون على الفوج 46 التابع للجيش شرق الأتارب وعلى قرية أورم الصغرى المجاورة.",
          "Report 004 says government defences were quickly overwhelmed; the fall of Base 46 on the "
          "first day is public knowledge. Exact base perimeter approximate.", take=["saa"]),

        # ------------------------------------------------------------------ 28 November
        C("2024-11-28-urum-al-kubra-khan-al-asal", "2024-11-28T09:00:00+03:00", "hts",
          P([(36.80, 36.09), (36.80, 36.15), (36.905, 36.148), (36.92, 36.195), (36.975, 36.20),
             (36.985, 36.215), (37.03, 36.215), (37.06, 36.205), (37.06, 36.165), (37.04, 36.14)]
            + S34[::-1]),
          [R004], "claimed",
          "The advance continues towards Aleppo's western edge: Urum al-Kubra, Kafr Naha and the "
          "countryside up to Khan al-Asal change hands.",
          "يتواصل التقدم نحو الطرف الغربي لحلب: السيطرة على أورم الكبرى وكفر ناها والريف حتى خان العسل.",
          "Report 004 describes a rapid collapse of government positions; the villages and the date are "
          "public knowledge, hence 'claimed'.", take=["saa"]),
        C("2024-11-28-m5-cut-zarbah", "2024-11-28T15:00:00+03:00", "hts",
          P([(36.80, 36.09)] + S34 + [(37.02, 36.09), (37.02, 36.04), (36.99, 36.01), (36.93, 36.00),
                                      (36.86, 35.98), (36.80, 35.98)]),
          [R004], "claimed",
          "South-west of Aleppo the opposition reaches the M5 Damascus-Aleppo highway at al-Zarbah and "
          "cuts it.",
          "جنوب غرب حلب تصل المعارضة إلى الطريق الدولي M5 (دمشق-حلب) عند الزربة وتقطعه.",
          "Report 004 says the rebels cut the M5; the place (al-Zarbah area) and date are public "
          "knowledge.", take=["saa"]),
        C("2024-11-28-east-idlib-villages", "2024-11-28T18:00:00+03:00", "hts",
          P([(36.60, 35.80), (36.60, 35.87), (36.70, 35.87), (36.75, 35.885), (36.775, 35.88),
             (36.785, 35.855), (36.78, 35.82), (36.74, 35.79), (36.69, 35.78)]),
          [R003], "claimed",
          "A second front opens in eastern Idlib: villages between Sarmin and Saraqib, west of the M5, "
          "are taken.",
          "فتح جبهة ثانية في ريف إدلب الشرقي: السيطرة على قرى بين سرمين وسراقب غرب الطريق M5.",
          "Report 003 mentions advances in the Idlib area; the villages and date are public knowledge "
          "and approximate.", take=["saa"]),

        # ------------------------------------------------------------------ 29 November
        C("2024-11-29-saraqib", "2024-11-29T07:00:00+03:00", "hts",
          P([(36.74, 35.90), (36.77, 35.925), (36.79, 35.99), (36.86, 35.98), (36.93, 36.00),
             (36.95, 35.97), (36.92, 35.93), (36.88, 35.89), (36.86, 35.86), (36.85, 35.84),
             (36.81, 35.82), (36.78, 35.82), (36.74, 35.86)]),
          [R003], "confirmed",
          "Opposition forces seize the strategic town of Saraqib, at the junction of the M4 and M5 "
          "highways south-west of Aleppo, with neighbouring Afes.",
          "قوات المعارضة تسيطر على مدينة سراقب الاستراتيجية عند تقاطع الطريقين M4 وM5 جنوب غرب حلب، "
          "ومعها بلدة آفس المجاورة.",
          "Report 003 (citing SOHR) says Saraqib was seized; the date, 29 Nov, is public knowledge.",
          take=["saa"]),
        C("2024-11-29-south-west-aleppo-countryside", "2024-11-29T12:00:00+03:00", "hts",
          P([(36.93, 36.00), (36.99, 36.01), (37.02, 36.04), (37.02, 36.09), (37.00, 36.13),
             (37.04, 36.14), (37.100, 36.150), (37.112, 36.140), (37.130, 36.136), (37.14, 36.10),
             (37.10, 36.03), (37.08, 35.97), (37.02, 35.95), (36.95, 35.97)]),
          [R004], "claimed",
          "The countryside south-west of Aleppo falls, including Khan Tuman and al-Hader and the M5 up to "
          "the city's southern edge.",
          "سقوط الريف الجنوبي الغربي لحلب، ومنه خان طومان والحاضر والطريق M5 حتى الأطراف الجنوبية للمدينة.",
          "Inferred: report 004 says government positions collapsed within days; these villages are "
          "public knowledge and approximate.", take=["saa"], minus=POCKET_ALL),
        C("2024-11-29-north-west-countryside", "2024-11-29T14:00:00+03:00", "hts",
          P(N8 + [(37.12, 36.30), (37.12, 36.255), (37.09, 36.24), (37.06, 36.22), (37.03, 36.215),
                  (36.985, 36.20), (36.95, 36.20), (36.95, 36.29)]),
          [R004], "claimed",
          "North-west of the city the opposition takes Anadan, Hreitan, Kafr Hamra and Bayanoun, "
          "isolating Nubl and al-Zahraa.",
          "شمال غرب المدينة تسيطر المعارضة على عندان وحريتان وكفر حمرة وبيانون، فتعزل نبل والزهراء.",
          "Inferred from report 004 (rapid advance within days) and public knowledge; approximate.",
          take=["saa"]),
        C("2024-11-29-aleppo-western-suburbs", "2024-11-29T17:00:00+03:00", "hts",
          P([(37.02, 36.26)] + L_WEST + [(37.100, 36.150), (37.04, 36.14), (37.02, 36.14)]),
          [R002], "confirmed",
          "Opposition fighters enter Aleppo's western suburbs: New Aleppo, al-Zahraa association and "
          "al-Rashideen.",
          "مقاتلو المعارضة يدخلون الضواحي الغربية لحلب: حلب الجديدة وجمعية الزهراء والراشدين.",
          "Report 002: verified footage of rebels in the western suburbs and HTS's Friday (29 Nov) "
          "statement that its forces were entering the city. Neighbourhood names are the editor's.",
          take=["saa"], minus=POCKET_ALL),
        C("2024-11-29-aleppo-university-area", "2024-11-29T22:00:00+03:00", "contested",
          P(L_WEST + POCKET_NORTH_WEST + L_UNI[::-1]),
          [R002], "claimed",
          "Fighting reaches the area around Aleppo University and the adjoining western neighbourhoods; "
          "residents flee.",
          "القتال يصل إلى محيط جامعة حلب والأحياء الغربية المجاورة لها، ونزوح السكان منها.",
          "Report 002: footage of civilians fleeing areas near Aleppo University; it does not say who "
          "held the area, so it is shown as contested (hence 'claimed') until the report of most of the "
          "city being taken (30 Nov).",
          take=["saa"], minus=POCKET_ALL),

        # ------------------------------------------------------------------ 30 November
        C("2024-11-30-maarat-al-numan", "2024-11-30T08:00:00+03:00", "hts",
          P([(36.55, 35.70), (36.60, 35.75), (36.62, 35.82), (36.70, 35.86), (36.86, 35.86),
             (36.90, 35.80), (36.88, 35.70), (36.80, 35.63), (36.72, 35.615), (36.65, 35.62),
             (36.57, 35.64), (36.54, 35.67)]),
          [R000], "claimed",
          "Pushing south along the M5, the opposition takes Maarat al-Numan and the highway between it "
          "and Saraqib.",
          "في تقدمها جنوباً على الطريق M5 تسيطر المعارضة على معرة النعمان وعلى الطريق بينها وبين سراقب.",
          "Report 000 says rebels were pushing south to cut the regime's main supply route; the fall of "
          "Maarat al-Numan on 30 Nov is public knowledge.", take=["saa"]),
        C("2024-11-30-aleppo-most-of-city", "2024-11-30T12:00:00+03:00", "hts",
          CITY.difference(POCKET_ALL).difference(P(SDF_ADJOINING)),
          [R002, R003, R004], "confirmed",
          "Government forces withdraw from the city centre without a fight; the opposition holds most of "
          "Aleppo, including the citadel, government buildings and prisons.",
          "القوات الحكومية تنسحب من وسط المدينة دون قتال، وتسيطر المعارضة على معظم حلب بما فيها القلعة "
          "والمباني الحكومية والسجون.",
          "Reports 002 and 003 (SOHR, AFP) on 30 Nov: most of the city taken, the citadel held, officials "
          "withdrawn from the centre. Report 004 says about half at an earlier moment. The southern "
          "pocket held out (see 1 Dec).", take=["saa", "contested"]),
        C("2024-11-30-aleppo-sdf-adjoining", "2024-11-30T14:00:00+03:00", "sdf", P(SDF_ADJOINING),
          [R001, R000], "claimed",
          "As the army pulls out, the SDF, reinforced, takes over neighbourhoods adjoining Sheikh Maqsoud "
          "to the north and east.",
          "مع انسحاب الجيش تتولى قوات سوريا الديمقراطية، بعد تعزيزها، السيطرة على أحياء متاخمة للشيخ "
          "مقصود من الشمال والشرق.",
          "Report 001 says the northern Kurdish neighbourhoods were reinforced and held by the SDF as "
          "regime troops pulled out. Which adjoining neighbourhoods (around al-Haidariya / the Jandoul "
          "roundabout) is the editor's reading of public reports and uncertain.", take=["saa"]),
        C("2024-11-30-aleppo-north-east-outskirts", "2024-11-30T16:00:00+03:00", "hts",
          P([(37.10, 36.235), (37.10, 36.30), (37.12, 36.30), (37.17, 36.33), (37.20, 36.31), (37.30, 36.30),
             (37.33, 36.27), (37.31, 36.24), (37.25, 36.225), (37.222, 36.225), (37.21, 36.235)]),
          [R003], "claimed",
          "The opposition extends its hold to the northern and north-eastern outskirts, including the "
          "central prison area and the Sheikh Najjar industrial city.",
          "تمدّ المعارضة سيطرتها إلى الأطراف الشمالية والشمالية الشرقية، ومنها منطقة السجن المركزي "
          "والمدينة الصناعية في الشيخ نجار.",
          "Report 003 mentions prisons taken; the outskirts' extent is inferred, approximate.",
          take=["saa", "contested"]),
        C("2024-11-30-nubl-zahraa", "2024-11-30T18:00:00+03:00", "hts",
          P([(36.925, 36.345), (36.95, 36.37), (36.975, 36.405), (37.005, 36.40), (37.04, 36.39),
             (37.075, 36.37), (37.11, 36.36), (37.14, 36.385), (37.16, 36.42), (37.165, 36.46),
             (37.19, 36.40), (37.17, 36.33), (37.12, 36.30)] + N8[::-1]),
          [R004], "claimed",
          "Government-held Nubl and al-Zahraa north of Aleppo are abandoned by the army and many "
          "residents; opposition factions move in.",
          "الجيش وكثير من السكان يغادرون بلدتي نبل والزهراء شمال حلب، وتدخلهما فصائل المعارضة.",
          "Not in the reports. Public accounts from 30 Nov - 1 Dec; which faction entered first (HTS-led "
          "command or SNA units) is uncertain.", take=["saa"]),
        C("2024-11-30-aleppo-airport-nairab", "2024-11-30T20:00:00+03:00", "hts",
          P([(37.185, 36.158), (37.20, 36.175), (37.212, 36.192), (37.220, 36.205), (37.222, 36.225),
             (37.25, 36.225), (37.26, 36.19), (37.255, 36.165), (37.235, 36.150), (37.205, 36.148)]),
          [R002, R004], "claimed",
          "The opposition says it has taken Aleppo International Airport and the adjoining Nairab "
          "military air base.",
          "المعارضة تعلن سيطرتها على مطار حلب الدولي ومطار النيرب العسكري المجاور له.",
          "Report 002 notes airports were closed; the capture (30 Nov - 1 Dec, with reports of SDF units "
          "briefly at the airport) is public knowledge, hence 'claimed'.",
          take=["saa"], minus=POCKET_ALL),
        C("2024-11-30-sna-tadef", "2024-11-30T21:00:00+03:00", "sna",
          P([(37.33, 36.43), (37.40, 36.40), (37.46, 36.372), (37.50, 36.362), (37.535, 36.357),
             (37.58, 36.37), (37.65, 36.40), (37.66, 36.36), (37.62, 36.32), (37.54, 36.30),
             (37.45, 36.30), (37.38, 36.34)]),
          [R003], "claimed",
          "The Turkish-backed SNA opens its own 'Dawn of Freedom' operation and takes Tadef and the "
          "government-held villages south of al-Bab.",
          "الجيش الوطني السوري المدعوم من تركيا يطلق عملية «فجر الحرية» ويسيطر على تادف والقرى الخاضعة "
          "للحكومة جنوب الباب.",
          "Report 003 says Turkish-backed factions joined the offensive; the SNA operation and its first "
          "gains are public knowledge; extent approximate.", take=["saa"]),

        # ------------------------------------------------------------------ 1 December
        C("2024-12-01-khan-shaykhun", "2024-12-01T06:00:00+03:00", "hts",
          P([(36.48, 35.69), (36.54, 35.677), (36.58, 35.665), (36.65, 35.62), (36.72, 35.615),
             (36.80, 35.63), (36.88, 35.60), (36.85, 35.50), (36.78, 35.42), (36.70, 35.40),
             (36.60, 35.43), (36.55, 35.50), (36.50, 35.60), (36.45, 35.66)]),
          [R000], "claimed",
          "The opposition advances into southern Idlib towards Hama, taking Kafr Nabl and Khan Shaykhun.",
          "تتقدم المعارضة في ريف إدلب الجنوبي باتجاه حماة، وتسيطر على كفرنبل وخان شيخون.",
          "Report 000 describes rebels pushing south; the towns and timing (30 Nov - 1 Dec) are public "
          "knowledge and approximate.", take=["saa"]),
        C("2024-12-01-east-aleppo-countryside", "2024-12-01T10:00:00+03:00", "contested",
          P([(37.02, 35.95), (38.06, 35.95), (38.10, 35.96), (38.20, 36.00), (38.20, 36.30),
             (37.75, 36.45), (37.20, 36.50), (37.10, 36.45), (37.00, 36.30), (36.90, 36.10)]),
          [R003, R004], "claimed",
          "The army pulls back from the countryside east and south-east of Aleppo (al-Safira, the Kuweires "
          "area); several forces move in and control is unclear.",
          "ينسحب الجيش من الريف الشرقي والجنوبي الشرقي لحلب (السفيرة ومحيط كويرس)، وتدخل عدة قوى "
          "فتصبح السيطرة غير واضحة.",
          "Reports 003 and 004 describe the army withdrawing and regrouping; who held these villages is not "
          "reported, so the area is shown as contested.", take=["saa"], minus=POCKET_ALL),
        C("2024-12-01-ramouseh-sheikh-saeed", "2024-12-01T11:00:00+03:00", "hts", POCKET_E,
          [R000, R001], "claimed",
          "The southern districts of Ramouseh and Sheikh Saeed, with the artillery college, fall as the "
          "remaining government forces in the city are encircled.",
          "سقوط حيّي الراموسة والشيخ سعيد في جنوب المدينة مع كلية المدفعية، بعد تطويق ما تبقى من القوات "
          "الحكومية في المدينة.",
          "Reports 000 and 001 say the remaining army forces were nearly encircled; the timing of these "
          "districts is the editor's estimate.", take=["saa"]),
        C("2024-12-01-sdf-deir-hafer-maskanah", "2024-12-01T13:00:00+03:00", "sdf",
          P([(37.66, 36.13), (37.66, 36.36), (37.65, 36.40), (37.69, 36.43), (37.72, 36.40),
             (37.85, 36.36), (38.00, 36.32), (38.10, 36.28), (38.20, 36.28), (38.20, 36.00),
             (38.10, 35.96), (38.06, 35.90), (37.98, 35.90), (37.90, 35.97), (37.80, 36.05),
             (37.72, 36.10)]),
          [R001], "claimed",
          "The SDF moves into areas east of Aleppo vacated by the army, from south of Manbij to Deir "
          "Hafer and Maskanah.",
          "قوات سوريا الديمقراطية تدخل مناطق شرق حلب أخلاها الجيش، من جنوب منبج حتى دير حافر ومسكنة.",
          "Report 001 says the SDF stepped in as regime troops pulled out (in the city). SDF control of "
          "Deir Hafer and Maskanah in the following weeks is public knowledge; the date is uncertain.",
          take=["saa", "contested"]),
        C("2024-12-01-sna-kuweires", "2024-12-01T14:00:00+03:00", "sna",
          P([(37.45, 36.30), (37.54, 36.30), (37.62, 36.32), (37.66, 36.36), (37.66, 36.13),
             (37.50, 36.13), (37.45, 36.20)]),
          [R003], "claimed",
          "SNA factions report taking the Kuweires military air base east of Aleppo.",
          "فصائل الجيش الوطني السوري تعلن سيطرتها على مطار كويرس العسكري شرق حلب.",
          "Not in the reports (report 003 only mentions Turkish-backed factions). Public claims; "
          "which faction held the base first is uncertain.", take=["saa", "contested"]),
        C("2024-12-01-sna-tal-rifaat", "2024-12-01T16:00:00+03:00", "sna",
          P([(37.02, 36.43), (37.04, 36.49), (37.10, 36.50), (37.15, 36.48), (37.165, 36.46),
             (37.16, 36.42), (37.14, 36.385), (37.11, 36.36), (37.075, 36.37), (37.04, 36.39)]),
          [R003], "claimed",
          "The SNA's 'Dawn of Freedom' operation takes Tal Rifaat from the SDF.",
          "عملية «فجر الحرية» التابعة للجيش الوطني السوري تنتزع تل رفعت من قوات سوريا الديمقراطية.",
          "Not in the reports beyond Turkish-backed factions taking part (report 003); the capture of Tal "
          "Rifaat on 1 Dec is public knowledge.", take=["sdf"]),
        C("2024-12-01-palace-military-academy", "2024-12-01T19:00:00+03:00", "hts", POCKET_W,
          [R000, R001], "confirmed",
          "On Sunday evening the rebels take the Assad palace and the nearby Aleppo Military Academy, the "
          "last government positions in the city's south-west; the army has left Aleppo.",
          "مساء الأحد يسيطر مقاتلو المعارضة على قصر الأسد والكلية الحربية القريبة منه في حلب، آخر مواقع "
          "الحكومة في جنوب غرب المدينة، ويكون الجيش قد غادر حلب.",
          "Reports 000 and 001 (Sunday evening, i.e. 1 Dec; time ~19:00 estimated). Locations of the "
          "academy and palace in the south-west (al-Hamdaniyah side) approximate.", take=["saa"]),

        # ------------------------------------------------------------------ 2 December
        C("2024-12-02-sna-shahba-menagh", "2024-12-02T10:00:00+03:00", "sna",
          P([(36.95, 36.35), (36.95, 36.52), (37.00, 36.56), (37.08, 36.56), (37.17, 36.50),
             (37.17, 36.35)]),
          [R003], "claimed",
          "SDF forces leave the rest of the Tal Rifaat pocket, including the Menagh air base, which "
          "passes to the SNA.",
          "قوات سوريا الديمقراطية تغادر ما تبقى من جيب تل رفعت، ومنه مطار منغ العسكري، فيؤول إلى الجيش "
          "الوطني السوري.",
          "Not in the reports; public accounts of the SDF's evacuation of the Shahba area on 1-2 Dec.",
          take=["sdf"]),
        C("2024-12-02-north-hama-front", "2024-12-02T12:00:00+03:00", "contested",
          P([(36.55, 35.50), (36.60, 35.43), (36.70, 35.40), (36.78, 35.42), (36.85, 35.40),
             (36.80, 35.30), (36.73, 35.28), (36.65, 35.285), (36.55, 35.32), (36.50, 35.40)]),
          [R000], "claimed",
          "Fighting moves to the northern Hama countryside (Morek, Latamna, Kafr Zita, Souran) as the "
          "opposition pushes towards Hama; the city itself stays in government hands.",
          "ينتقل القتال إلى ريف حماة الشمالي (مورك واللطامنة وكفرزيتا وصوران) مع تقدم المعارضة نحو "
          "حماة، فيما تبقى المدينة نفسها بيد الحكومة.",
          "Report 000 says rebels were pushing south; the northern Hama front on 2 Dec is public "
          "knowledge, shown as contested.", take=["saa"]),
    ]


# --------------------------------------------------------------------------------------------------
def load_domain():
    ds = json.loads((DATA / "dataset.json").read_text())
    ext = ds["extent"]
    w = json.loads((DATA / "geojson" / "base" / "worldatlas_neighbours_admin0.geojson").read_text())
    syria = [shape(f["geometry"]) for f in w["features"] if f["properties"]["name"] == "Syria"][0]
    return ds, syria.intersection(box(*ext))


def polys_only(g):
    """Keep polygonal parts bigger than MIN_PART, as a MultiPolygon/Polygon (or empty)."""
    parts = []
    stack = [g]
    while stack:
        x = stack.pop()
        if x.is_empty:
            continue
        if x.geom_type == "Polygon":
            if x.area >= MIN_PART:
                # drop tiny holes too
                holes = [h for h in x.interiors if Polygon(h).area >= MIN_PART]
                parts.append(Polygon(x.exterior, holes))
        elif hasattr(x, "geoms"):
            stack.extend(x.geoms)
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def clean(g):
    # No snapping to a grid: a snapped intersection point lies beside the line it was cut from, and the
    # fold then grows needles along that line. Full double precision round-trips through JSON exactly.
    g = make_valid(g)
    return polys_only(g)


def build():
    ds, domain = load_domain()
    state: dict[str, object] = {}
    feats = []
    for ch in changes(domain):
        g = ch["geom"].intersection(domain)
        if ch["minus"] is not None:
            g = g.difference(ch["minus"])
        if ch["take"]:
            held = unary_union([state[f] for f in ch["take"] if f in state])
            g = g.intersection(held)
        g = clean(g)
        g = absorb_slivers(state, ch["take"] or [f for f in state if f != ch["faction"]], g)
        if g.is_empty:
            raise SystemExit(f"{ch['key']}: empty after clipping")
        apply(state, ch["faction"], g)
        props = {k: ch[k] for k in ("key", "at", "faction", "confidence", "reports", "summary_en",
                                    "summary_ar")}
        if ch["note"]:
            props["note"] = ch["note"]
        feats.append({"type": "Feature", "properties": props, "geometry": g})
    for f, g in zip(feats, partition([f["geometry"] for f in feats])):
        f["geometry"] = mapping(g)
    fc = {"type": "FeatureCollection", "name": "changes", "features": feats}
    OUT.write_text(json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(feats)} changes")


NODE_GRID = 1e-7  # ~1 cm: linework closer than this is one line


def partition(geoms):
    """Rebuild every change from the faces of one planar partition of all their edges.

    Changes computed one by one share edges only up to floating-point noise, and the fold turns that
    noise into needles and slivers. Noding all edges together (snap-rounded to NODE_GRID) and rebuilding
    each change as a union of whole faces makes every shared edge bit-identical. Faces smaller than
    SLIVER take the membership of the neighbour they share the longest edge with."""
    lines = shapely.union_all([g.boundary for g in geoms], grid_size=NODE_GRID)
    faces = [f for f in polygonize(lines) if f.area > 0]
    tree = STRtree(geoms)
    member = []
    for f in faces:
        pt = f.representative_point()
        member.append(frozenset(int(i) for i in tree.query(pt, predicate="within")))
    small = [i for i, f in enumerate(faces) if f.area < SLIVER]
    ftree = STRtree(faces)
    for _ in range(3):   # a tiny face may only touch other tiny faces at first
        for i in small:
            best, best_len = None, 0.0
            for j in ftree.query(faces[i], predicate="intersects"):
                j = int(j)
                if j == i or (faces[j].area < SLIVER and j in small):
                    continue
                shared = faces[i].boundary.intersection(faces[j].boundary).length
                if shared > best_len:
                    best, best_len = j, shared
            if best is not None:
                member[i] = member[best]
                small = [k for k in small if k != i]
    out = []
    for k, g in enumerate(geoms):
        parts = [faces[i] for i, m in enumerate(member) if k in m]
        if not parts:
            raise SystemExit(f"change #{k} vanished in the partition")
        out.append(polys_only(make_valid(unary_union(parts))))
    return out


def absorb_slivers(state, take, g):
    """Add to g the tiny leftovers of the losing factions that g would leave behind next to it.

    Two hand-drawn edges that almost coincide leave slivers of the old holder (a few square metres up to
    a few hundred); a change that takes the ground on both sides of them takes them too."""
    extra = []
    for f in take:
        rest = state.get(f)
        if rest is None or rest.is_empty:
            continue
        rest = rest.difference(g)
        for x in getattr(rest, "geoms", [rest]):
            if x.geom_type == "Polygon" and x.area < SLIVER and x.distance(g) < 1e-5:
                extra.append(x)
    if not extra:
        return g
    return polys_only(make_valid(unary_union([g] + extra)))


def apply(state, faction, g):
    for f in list(state):
        if f != faction:
            state[f] = state[f].difference(g)
    state[faction] = unary_union([state.get(faction, Polygon()), g])


# --------------------------------------------------------------------------------------------------
# Validation: an independent fold over the written file, as docs/data-format.md describes it
def ts(s):
    return datetime.fromisoformat(s)


def fold_states(feats):
    """Yield (instant, {faction: geometry}) after every distinct change instant."""
    order = sorted(range(len(feats)), key=lambda i: (ts(feats[i]["properties"]["at"]), i))
    state: dict[str, object] = {}
    out = []
    for n, i in enumerate(order):
        p = feats[i]["properties"]
        apply(state, p["faction"], shape(feats[i]["geometry"]))
        nxt = order[n + 1] if n + 1 < len(order) else None
        if nxt is None or ts(feats[nxt]["properties"]["at"]) != ts(p["at"]):
            out.append((ts(p["at"]), {k: v for k, v in state.items()}))
    return out


def spikes(poly, max_turn_deg=175.0, min_len=1e-4):
    """Vertices where a ring doubles back on itself (a needle), with both arms longer than ~10 m."""
    out = []
    for ring in [poly.exterior] + list(poly.interiors):
        cs = list(ring.coords)[:-1]
        n = len(cs)
        for i in range(n):
            (ax, ay), (bx, by), (cx, cy) = cs[i - 1], cs[i], cs[(i + 1) % n]
            ux, uy, vx, vy = ax - bx, ay - by, cx - bx, cy - by
            lu, lv = math.hypot(ux, uy), math.hypot(vx, vy)
            if lu < min_len or lv < min_len:
                continue
            cos = (ux * vx + uy * vy) / (lu * lv)
            if cos > math.cos(math.radians(180 - max_turn_deg)):   # angle between arms < 5 degrees
                out.append((round(bx, 5), round(by, 5)))
    return out


def km2(g):
    return g.area * 111.32 * 111.32 * 0.81  # cos(36 deg)^2-ish, good enough for a sanity print


def check(png_dir=None):
    ds = json.loads((DATA / "dataset.json").read_text())
    factions = {f["slug"] for f in json.loads((DATA / "factions.json").read_text())}
    reports = {r["key"] for r in json.loads((DATA / "reports.json").read_text())}
    fc = json.loads(OUT.read_text())
    feats = fc["features"]
    ext = box(*ds["extent"])
    errors = []
    start, end = ts(ds["start"]), ts(ds["end"])
    keys = set()
    cited = set()
    verts = 0
    per_day: dict[str, int] = {}
    for f in feats:
        p = f["properties"]
        g = shape(f["geometry"])
        verts += len(g.exterior.coords) if g.geom_type == "Polygon" else \
            sum(len(x.exterior.coords) + sum(len(h.coords) for h in x.interiors) for x in g.geoms)
        if p["key"] in keys:
            errors.append(f"duplicate key {p['key']}")
        keys.add(p["key"])
        if g.geom_type not in ("Polygon", "MultiPolygon") or not g.is_valid or g.is_empty:
            errors.append(f"{p['key']}: bad geometry")
        if not ext.contains(g):
            errors.append(f"{p['key']}: outside extent")
        if p["faction"] not in factions:
            errors.append(f"{p['key']}: unknown faction")
        if not p["reports"] or not set(p["reports"]) <= reports:
            errors.append(f"{p['key']}: bad reports {p['reports']}")
        cited |= set(p["reports"])
        if p["confidence"] not in ("confirmed", "claimed"):
            errors.append(f"{p['key']}: bad confidence")
        at = ts(p["at"])
        if at.utcoffset() is None or not (start <= at < end):
            errors.append(f"{p['key']}: bad instant")
        if at != start:
            per_day[p["at"][:10]] = per_day.get(p["at"][:10], 0) + 1
    if reports - cited:
        errors.append(f"reports never cited: {reports - cited}")
    print(f"{len(feats)} changes, {verts} vertices; non-baseline per day: {dict(sorted(per_day.items()))}")

    states = fold_states(feats)
    for at, st in states:
        names = sorted(st)
        for a in names:
            g = st[a]
            if not g.is_valid:
                errors.append(f"{at} {a}: invalid zone")
            parts = [g] if g.geom_type == "Polygon" else list(getattr(g, "geoms", []))
            for x in parts:
                if x.geom_type == "Polygon" and not x.is_empty:
                    for spike in spikes(x):
                        errors.append(f"{at} {a}: needle at {spike}")
                if x.geom_type == "Polygon" and not x.is_empty and x.area < SLIVER:
                    errors.append(f"{at} {a}: sliver part {km2(x):.4f} km2 at {x.representative_point()}")
            for b in names:
                if a < b and st[a].intersection(st[b]).area > 1e-9:
                    errors.append(f"{at} {a}/{b} overlap")
        print(at.isoformat(), "  ".join(f"{k}={km2(v):,.0f}" for k, v in sorted(st.items()) if not v.is_empty))

    # story checks
    checks = json.loads(CHECKS.read_text())
    places = set()
    for c in checks:
        places.add(c["place"])
        t = ts(c["at"])
        st = None
        for at, s in states:
            if at <= t:
                st = s
        pt = Point(c["lon"], c["lat"])
        holder = [k for k, v in st.items() if v.contains(pt)]
        margin = min((st[h].boundary.distance(pt) for h in holder), default=0) * 111_000 * 0.85
        ok = holder == [c["faction"]] and margin >= 300
        if not ok:
            errors.append(f"story check {c['place']} @ {c['at']}: want {c['faction']}, got {holder}, "
                          f"margin {margin:.0f} m")
    print(f"{len(checks)} story checks on {len(places)} places")

    if png_dir:
        draw(states, png_dir)
    if errors:
        print("\n".join("ERROR " + e for e in errors))
        return 1
    print("all checks pass")
    return 0


def draw(states, png_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath
    colors = {f["slug"]: f["color"] for f in json.loads((DATA / "factions.json").read_text())}
    checks = json.loads(CHECKS.read_text())
    out = Path(png_dir)
    out.mkdir(parents=True, exist_ok=True)
    picks = {}
    for at, st in states:
        picks[at.date()] = (at, st)  # last state of each day
    for day, (at, st) in sorted(picks.items()):
        for name, bbox in (("region", None), ("city", (37.04, 36.12, 37.28, 36.28))):
            fig, ax = plt.subplots(figsize=(10, 8))
            for fac, g in st.items():
                if g.is_empty:
                    continue
                for x in ([g] if g.geom_type == "Polygon" else getattr(g, "geoms", [])):
                    rings = [x.exterior] + list(x.interiors)
                    verts = [c for r in rings for c in r.coords]
                    codes = [code for r in rings
                             for code in [MPath.MOVETO] + [MPath.LINETO] * (len(r.coords) - 2) + [MPath.CLOSEPOLY]]
                    ax.add_patch(PathPatch(MPath(verts, codes), fc=colors[fac], alpha=0.6, lw=0.5, ec="k"))
            for c in checks:
                ax.plot(c["lon"], c["lat"], "k.", ms=3)
                ax.annotate(c["place"], (c["lon"], c["lat"]), fontsize=5)
            bbox = bbox or (35.6, 34.9, 38.9, 36.9)
            ax.set_xlim(bbox[0], bbox[2])
            ax.set_ylim(bbox[1], bbox[3])
            ax.set_aspect(1 / 0.81)
            ax.set_title(f"{name} after {at.isoformat()}")
            fig.savefig(out / f"{day}_{name}.png", dpi=110)
            plt.close(fig)
    print(f"PNGs in {out}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only validate the existing file")
    ap.add_argument("--png", help="draw the end-of-day states into this folder")
    a = ap.parse_args()
    if not a.check:
        build()
    sys.exit(check(a.png))
