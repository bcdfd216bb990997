# ruff: noqa: RUF001, E501, PLR0912 (Cyrillic and Greek names are the point; the name lists are data)
"""A labelled set of fictional South-East European persons, each possibly registered again
with the errors the field sees (issue 16): another script, dropped diacritics, Serbian dj/đ
and Macedonian gj/ǵ spellings, given and family names swapped, a missing middle name, half of a
compound surname, a nickname, a typing error, a year of birth or an estimated age instead of
the date, day and month swapped, a missing document.

Names are written in Latin by each country's own convention and put into Cyrillic with
``cyrtranslit.to_cyrillic`` (Serbian, Macedonian, Bulgarian), or given as hand-written pairs
(Ukrainian, Russian, Greek), so the generator does not use the tables it tests.
"""

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

import cyrtranslit

from opentrm.matching.scoring import PersonData

_RS_F = ["Jelena", "Milica", "Marija", "Ana", "Jovana", "Snežana", "Svetlana", "Gordana", "Dragana", "Biljana", "Ivana", "Tijana", "Katarina", "Ljiljana", "Nataša", "Dušica", "Mirjana", "Vesna", "Danijela", "Sanja"]  # fmt: skip
_RS_M = ["Đorđe", "Petar", "Nikola", "Milan", "Marko", "Stefan", "Nebojša", "Aleksandar", "Zoran", "Dragan", "Bojan", "Vladimir", "Miloš", "Dušan", "Jovan", "Nenad", "Goran", "Dejan", "Uroš", "Vuk"]  # fmt: skip
_RS_STEMS = ["Jovan", "Petr", "Nikol", "Mark", "Stojan", "Pavl", "Kost", "Živk", "Todor", "Stank", "Đur", "Pop", "Sav", "Luk", "Mitr", "Radovan", "Ćir", "Šar", "Vučk", "Obrad", "Milošev", "Laz", "Radosavlj", "Mil", "Đok", "Bog", "Simeun", "Tomaš", "Vas", "Stef", "Arsen", "Bošk", "Dragić", "Jank", "Lek", "Mark", "Nedelj", "Ostoj", "Perišić", "Rak", "Sim", "Tas", "Vuj", "Zar", "Živan", "Bab", "Cvetk", "Damjan", "Gaj", "Ign", "Jakš", "Krst", "Mladen", "Novak", "Petk", "Rist", "Spas", "Trif", "Urošev", "Vel"]  # fmt: skip
_RS_S = [stem + suffix for stem in _RS_STEMS for suffix in ("ović", "ić")] + ["Đorđević", "Jovanović", "Petrović", "Nikolić", "Marković", "Ilić", "Stojanović", "Pavlović", "Kostić", "Živković", "Todorović", "Stanković", "Đurić", "Popović", "Savić", "Lukić", "Mitrović", "Radovanović", "Ćirić", "Šarić", "Vučković", "Obradović", "Džaković", "Milošević", "Lazić"]  # fmt: skip
_MK_STEMS = ["Trajk", "Stojan", "Nikol", "Angel", "Kost", "Ǵorǵi", "Petr", "Dim", "Rist", "Jovan", "Spas", "Ḱos", "Mitr", "Stefan", "Blaž", "Cvetk", "Dončev", "Gligor", "Ilij", "Kitan", "Lazar", "Mark", "Naum", "Pop", "Sarak", "Tas", "Velj", "Zdrav"]  # fmt: skip
_BG_STEMS = ["Ivan", "Georgi", "Dimitr", "Petr", "Shter", "Zhelyazk", "Tsvetk", "Hrist", "Angel", "Yordan", "Stoyan", "Todor", "Kolev", "Nikol", "Mihayl", "Atanas", "Vasil", "Kostadin", "Marin", "Pen", "Radev", "Slav", "Tonch", "Vel", "Zlat", "Bozhil", "Gospodin", "Delch"]  # fmt: skip
_RO_STEMS = ["Pop", "Ion", "Stoic", "Dumitr", "Constantin", "Răduc", "Munt", "Mureș", "Țurc", "Stăn", "Georg", "Vasil", "Marin", "Nistor", "Oprisc", "Preda", "Rad", "Sav", "Tudor", "Văl", "Zamfir", "Neagu", "Buzd", "Câmp"]  # fmt: skip
_MK_F = ["Elena", "Marija", "Biljana", "Ivana", "Vesna", "Katerina", "Jovana", "Aleksandra", "Simona", "Frosina"]  # fmt: skip
_MK_M = ["Ǵorǵi", "Aleksandar", "Kiril", "Dimitar", "Goce", "Trajče", "Zlatko", "Blagoja", "Ḱiro", "Nikola"]  # fmt: skip
_MK_S = [stem + "ovski" for stem in _MK_STEMS] + ["Trajkovski", "Stojanovski", "Nikolovski", "Angelovski", "Kostovski", "Ǵorǵievski", "Petrovski", "Dimovski", "Ristovski", "Jovanovski", "Spasovski", "Ḱosevski"]  # fmt: skip
_BG_F = ["Maria", "Ivanka", "Yordanka", "Tsvetanka", "Desislava", "Elena", "Gergana", "Radka", "Zhivka", "Snezhana"]  # fmt: skip
_BG_M = ["Georgi", "Ivan", "Dimitar", "Petar", "Todor", "Hristo", "Stoyan", "Zhivko", "Yordan", "Tsvetan"]  # fmt: skip
_BG_S = [stem + suffix for stem in _BG_STEMS for suffix in ("ov", "ev")] + ["Ivanov", "Georgiev", "Dimitrov", "Petrov", "Shterev", "Zhelyazkov", "Tsvetkov", "Hristov", "Angelov", "Yordanov", "Stoyanov", "Todorov"]  # fmt: skip
_AL_F = ["Elona", "Besiana", "Miranda", "Ardita", "Blerina", "Mirela", "Jonida", "Klodiana", "Ëngjëllushe", "Valbona"]  # fmt: skip
_AL_M = ["Arben", "Besnik", "Genti", "Ermal", "Endrit", "Dritan", "Fatmir", "Gëzim", "Ilir", "Luan"]  # fmt: skip
_AL_S = ["Gashi", "Morina", "Bytyqi", "Kastrati", "Zeneli", "Haxhiu", "Mehmeti", "Ahmeti", "Osmani", "Brahimi", "Selimi", "Lika", "Nika", "Prenga", "Gjini", "Toska", "Xhafa", "Kuka", "Hysa", "Ndreu", "Qosja", "Dibra", "Duka", "Frashëri", "Kadare", "Vata", "Zogu", "Meta", "Rama", "Basha", "Tafa", "Hoxha", "Shehu", "Çela", "Dervishi", "Gjoka", "Leka", "Krasniqi", "Berisha", "Kola", "Marku", "Bardhi", "Hasani", "Rexhepi", "Dushku", "Çuka"]  # fmt: skip
_RO_F = ["Elena", "Ioana", "Maria", "Alexandra", "Daniela", "Cristina", "Mihaela", "Ștefania", "Andreea", "Roxana"]  # fmt: skip
_RO_M = ["Ion", "Gheorghe", "Ștefan", "Mihai", "Andrei", "Vasile", "Constantin", "Dumitru", "Florin", "Răzvan"]  # fmt: skip
_RO_S = [stem + suffix for stem in _RO_STEMS for suffix in ("escu", "eanu")] + ["Popescu", "Ionescu", "Țăranu", "Ștefănescu", "Munteanu", "Răducanu", "Dumitrescu", "Stoica", "Constantinescu", "Mureșan", "Țurcanu", "Stănescu"]  # fmt: skip
_TR_F = ["Ayşe", "Fatma", "Zeynep", "Gülşen", "Elif", "Şule"]
_TR_M = ["Mehmet", "Ahmet", "Mustafa", "Çağrı", "İsmail", "Oğuz"]
_TR_S = ["Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın", "Doğan"]
# (native, Latin) pairs where the Latin is the passport spelling
_UA = [("Оксана", "Oksana"), ("Наталія", "Nataliia"), ("Юлія", "Yuliia"), ("Ольга", "Olha"),
       ("Тетяна", "Tetiana"), ("Ірина", "Iryna"), ("Олена", "Olena"), ("Світлана", "Svitlana")]  # fmt: skip
_UA_S = [(c + "енко", latin + "enko") for c, latin in [("Шевч", "Shevch"), ("Ковал", "Koval"), ("Бондар", "Bondar"), ("Кравч", "Kravch"), ("Ткач", "Tkach"), ("Мороз", "Moroz"), ("Лисен", "Lysen"), ("Гончар", "Honchar"), ("Руд", "Rud"), ("Павл", "Pavl"), ("Марч", "March"), ("Сав", "Sav"), ("Литвин", "Lytvyn"), ("Григор", "Hryhor"), ("Юрч", "Yurch"), ("Зінч", "Zinch"), ("Остап", "Ostap"), ("Федор", "Fedor")]] + [("Шевченко", "Shevchenko"), ("Коваленко", "Kovalenko"), ("Бондаренко", "Bondarenko"),
         ("Мельник", "Melnyk"), ("Кравченко", "Kravchenko"), ("Ткаченко", "Tkachenko"),
         ("Гнатюк", "Hnatiuk"), ("Їжакевич", "Yizhakevych")]  # fmt: skip
_RU = [("Наталья", "Natalia"), ("Юлия", "Yulia"), ("Ольга", "Olga"), ("Татьяна", "Tatiana"),
       ("Екатерина", "Ekaterina"), ("Ксения", "Kseniia")]  # fmt: skip
_RU_S = [(c + "ова", latin + "ova") for c, latin in [("Смирн", "Smirn"), ("Кузнец", "Kuznets"), ("Волк", "Volk"), ("Мороз", "Moroz"), ("Орл", "Orl"), ("Жук", "Zhuk"), ("Щеглов", "Shcheglov"), ("Хомяк", "Khomiak"), ("Громов", "Gromov"), ("Зайцев", "Zaitsev"), ("Лебедев", "Lebedev"), ("Юдин", "Iudin")]] + [("Смирнова", "Smirnova"), ("Кузнецова", "Kuznetsova"), ("Попова", "Popova"),
         ("Щукина", "Shchukina"), ("Хохлова", "Khokhlova"), ("Соколова", "Sokolova")]  # fmt: skip
_GR = [("Ελένη", "Eleni"), ("Μαρία", "Maria"), ("Αικατερίνη", "Aikaterini"), ("Σοφία", "Sofia")]
_GR_S = [("Παπαδοπούλου", "Papadopoulou"), ("Νικολάου", "Nikolaou"), ("Ιωάννου", "Ioannou"),
         ("Γεωργίου", "Georgiou"), ("Χατζή", "Chatzi")]  # fmt: skip
_PLACES = {
    "RS": ["Beograd", "Niš", "Novi Sad", "Kragujevac", "Subotica"],
    "MK": ["Skopje", "Bitola", "Kumanovo", "Ohrid"],
    "BG": ["Sofia", "Plovdiv", "Varna", "Burgas"],
    "AL": ["Tiranë", "Durrës", "Shkodër", "Elbasan", "Vlorë"],
    "RO": ["București", "Iași", "Timișoara", "Constanța"],
    "TR": ["İstanbul", "İzmir", "Bursa"],
    "UA": ["Kyiv", "Kharkiv", "Odesa"],
    "RU": ["Moskva", "Rostov"],
    "GR": ["Athina", "Thessaloniki"],
}
_NICK = {"Svetlana": "Ceca", "Gordana": "Goca", "Aleksandar": "Saša", "Petar": "Pera",
         "Georgi": "Gosho", "Petar ": "Pesho", "Ion": "Ionuț", "Gheorghe": "Gică",
         "Dragana": "Gaga", "Zoran": "Zoki", "Ǵorǵi": "Goce", "Natalia": "Natasha",
         "Elena": "Lena", "Katarina": "Kaca", "Todor": "Tosho"}  # fmt: skip
_CYRILLIC_TABLE = {"RS": "sr", "MK": "mk", "BG": "bg"}
_DIACRITIC_FREE = str.maketrans(
    "čćšžđČĆŠŽĐëçËÇșşțţăâîȘŞȚŢĂÂÎğıİşüöĞŞÜÖǵḱǴḰ",
    "ccszdCCSZDecECssttaaiSSTTAAIgiIsuoGSUOgkGK",
)


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    middle: str
    native: str  # the name in its own script when that is not Latin, else ""
    country: str
    data: PersonData


def _latin_name(rng: random.Random, country: str, female: bool) -> tuple[str, str, str]:
    pools = {
        "RS": (_RS_F, _RS_M, _RS_S),
        "MK": (_MK_F, _MK_M, _MK_S),
        "BG": (_BG_F, _BG_M, _BG_S),
        "AL": (_AL_F, _AL_M, _AL_S),
        "RO": (_RO_F, _RO_M, _RO_S),
        "TR": (_TR_F, _TR_M, _TR_S),
    }
    women, men, families = pools[country]
    given = rng.choice(women if female else men)
    family = rng.choice(families)
    if country == "BG" and female:
        family += "a"
    if country == "MK" and female:
        family = family[:-1] + "a"
    middle = ""
    if rng.random() < 0.3:  # a father's name or a second given name
        middle = rng.choice(men)
    if rng.random() < 0.1:  # a compound surname
        family = f"{family}-{rng.choice(families)}"
    return given, middle, family


def _person(rng: random.Random, number: int) -> Person:
    country = rng.choices(
        ["RS", "MK", "BG", "AL", "RO", "TR", "UA", "RU", "GR"], [25, 12, 12, 18, 15, 5, 6, 4, 1]
    )[0]
    female = rng.random() < 0.75
    native = ""
    if country in ("UA", "RU", "GR"):
        given_pair = rng.choice({"UA": _UA, "RU": _RU, "GR": _GR}[country])
        family_pair = rng.choice({"UA": _UA_S, "RU": _RU_S, "GR": _GR_S}[country])
        given, middle, family = given_pair[1], "", family_pair[1]
        native = f"{given_pair[0]} {family_pair[0]}"
        female = True
    else:
        given, middle, family = _latin_name(rng, country, female)
        if country in _CYRILLIC_TABLE:
            words = " ".join(w for w in (given, middle, family) if w)
            native = cyrtranslit.to_cyrillic(words, _CYRILLIC_TABLE[country])
    born = date(1975, 1, 1) + timedelta(days=rng.randrange(0, 365 * 35))
    document = f"{country}{rng.randrange(10**6, 10**7)}" if rng.random() < 0.5 else ""
    place = rng.choice(_PLACES[country]) if rng.random() < 0.7 else ""
    latin = " ".join(w for w in (given, middle, family) if w)
    written = native if native and rng.random() < 0.5 else latin
    data = PersonData(
        names=(written,),
        sex="female" if female else "male",
        date_of_birth=born,
        citizenships=(country,),
        place_of_birth=place,
        documents=(document,) if document else (),
    )
    return Person(given, family, middle, native, country, data)


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "swap", "double", "replace"))
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "swap":
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    return word[:at] + rng.choice("aeioulnrst") + word[at + 1 :]


def _again(rng: random.Random, person: Person) -> tuple[PersonData, list[str]]:
    """``person`` registered again elsewhere, with one to three errors."""
    given, middle, family = person.given, person.middle, person.family
    data = person.data
    errors: list[str] = []
    written_native = bool(person.native) and rng.random() < 0.5
    for error in rng.sample(
        ["plain", "swap", "middle", "compound", "nickname", "typo", "year", "age", "daymonth",
         "nodoc", "noplace", "none"],
        rng.randint(1, 3),
    ):  # fmt: skip
        if error == "plain":
            given, middle, family = (w.translate(_DIACRITIC_FREE) for w in (given, middle, family))
            given, family = given.replace("Đ", "Dj").replace("đ", "dj"), family.replace("đ", "dj")
        elif error == "middle":
            middle = ""
        elif error == "compound" and "-" in family:
            family = rng.choice(family.split("-"))
        elif error == "nickname" and given in _NICK:
            given = _NICK[given]
            written_native = False
        elif error == "typo":
            if rng.random() < 0.5:
                given = _typo(rng, given)
            else:
                family = _typo(rng, family)
            written_native = False
        elif error == "year" and data.date_of_birth:
            data = replace(data, date_of_birth=None, birth_year=data.date_of_birth.year)
        elif error == "age" and data.date_of_birth:
            today = date(2026, 6, 1)
            age = (today - data.date_of_birth).days // 365 + rng.randint(-2, 2)
            data = replace(data, date_of_birth=None, estimated_age=age, age_on=today)
        elif error == "daymonth" and data.date_of_birth and data.date_of_birth.day <= 12:
            born = data.date_of_birth
            data = replace(data, date_of_birth=date(born.year, born.day, born.month))
        elif error == "nodoc":
            data = replace(data, documents=())
        elif error == "noplace":
            data = replace(data, place_of_birth="")
        else:
            continue
        errors.append(error)
    order = [family, given] if "swap" in errors or rng.random() < 0.15 else [given, middle, family]
    if written_native and person.native and person.country not in _CYRILLIC_TABLE:
        name = person.native if "swap" not in errors else " ".join(reversed(person.native.split()))
    elif written_native and person.country in _CYRILLIC_TABLE:
        words = " ".join(w for w in order if w)
        name = cyrtranslit.to_cyrillic(words, _CYRILLIC_TABLE[person.country])
        errors.append("script")
    else:
        name = " ".join(w for w in order if w)
    # a second registration rarely knows the citizenship and the place again
    data = replace(data, names=(name,))
    if rng.random() < 0.3:
        data = replace(data, citizenships=())
    return data, errors


def generate(
    originals: int = 3000, duplicates: int = 2000, newcomers: int = 1000, seed: int = 16
) -> tuple[dict[str, PersonData], dict[str, PersonData], set[tuple[str, str]]]:
    """Left: ``duplicates`` re-registrations plus ``newcomers`` never seen; right: the
    register of ``originals``; and the true pairs."""
    rng = random.Random(seed)
    register = {f"o{i}": _person(rng, i) for i in range(originals)}
    right = {key: person.data for key, person in register.items()}
    left: dict[str, PersonData] = {}
    truth: set[tuple[str, str]] = set()
    keys = list(register)
    for i in range(duplicates):
        original = rng.choice(keys)
        data, _errors = _again(rng, register[original])
        left[f"d{i}"] = data
        truth.add((f"d{i}", original))
    for i in range(newcomers):
        left[f"n{i}"] = _person(rng, originals + i).data
    return left, right, truth
