"""Who the demo's clients are: nationalities, languages and names.

Names are written as German documents show them (Latin script, as in the passport's
machine-readable zone). Faker has a usable locale for some nationalities; for the others, and
wherever Faker's lists are implausible, there are small hand-kept lists here.
"""

# --------------------------------------------------------------------------------------
# Nationalities: ISO 3166-1 alpha-3, weight, name source, languages (ISO 639-3) and the
# residence statuses (codes of residence_statuses.yaml) that are typical for them.
# --------------------------------------------------------------------------------------

NATIONALITIES = {
    "UKR": {
        "weight": 18,
        "names": "faker:uk_UA",
        "languages": [["ukr"], ["ukr", "rus"], ["rus"]],
        "statuses": {"aufenthg_24": 80, "aufenthg_81": 10, "aufenthg_18b": 5, "aufenthg_16b": 5},
    },
    "SYR": {
        "weight": 16,
        "names": "SYR",
        "languages": [["apc"], ["apc", "kmr"], ["ara"]],
        "statuses": {
            "aufenthg_25_2_subsidiary": 30,
            "aufenthg_25_2_refugee": 25,
            "asylg_55": 10,
            "aufenthg_26_3": 10,
            "aufenthg_36a": 10,
            "aufenthg_30": 10,
            "aufenthg_104c": 5,
        },
    },
    "AFG": {
        "weight": 10,
        "names": "AFG",
        "languages": [["prs"], ["pus"], ["prs", "pus"]],
        "statuses": {
            "asylg_55": 30,
            "aufenthg_25_3": 20,
            "aufenthg_25_2_refugee": 15,
            "aufenthg_60a": 15,
            "aufenthg_22_23": 10,
            "aufenthg_60c": 5,
            "aufenthg_25a": 5,
        },
    },
    "TUR": {
        "weight": 9,
        "names": "TUR",
        "languages": [["tur"], ["kmr", "tur"]],
        "statuses": {
            "asylg_55": 30,
            "aufenthg_30": 25,
            "aufenthg_18b": 15,
            "aufenthg_9": 15,
            "aufenthg_16a": 10,
            "aufenthg_25_2_refugee": 5,
        },
    },
    "IRQ": {
        "weight": 6,
        "names": "IRQ",
        "languages": [["acm"], ["kmr"], ["ckb"]],
        "statuses": {
            "aufenthg_60a": 25,
            "aufenthg_104c": 20,
            "aufenthg_25_3": 15,
            "aufenthg_25_2_refugee": 20,
            "aufenthg_60d": 10,
            "aufenthg_25b": 10,
        },
    },
    "ROU": {
        "weight": 7,
        "names": "faker:ro_RO",
        "languages": [["ron"], ["ron", "rom"]],
        "statuses": {"freizuegg_2": 85, "freizuegg_4a": 15},
    },
    "POL": {
        "weight": 4,
        "names": "faker:pl_PL",
        "languages": [["pol"]],
        "statuses": {"freizuegg_2": 70, "freizuegg_4a": 30},
    },
    "BGR": {
        "weight": 4,
        "names": "BGR",
        "languages": [["bul"], ["tur", "bul"]],
        "statuses": {"freizuegg_2": 90, "freizuegg_4a": 10},
    },
    "ERI": {
        "weight": 4,
        "names": "ERI",
        "languages": [["tir"]],
        "statuses": {
            "aufenthg_25_2_refugee": 45,
            "aufenthg_25_2_subsidiary": 35,
            "aufenthg_32": 10,
            "aufenthg_30": 10,
        },
    },
    "IRN": {
        "weight": 4,
        "names": "IRN",
        "languages": [["fas"]],
        "statuses": {
            "asylg_55": 35,
            "aufenthg_25_1": 10,
            "aufenthg_25_2_refugee": 25,
            "aufenthg_16b": 15,
            "aufenthg_18g": 15,
        },
    },
    "RUS": {
        "weight": 3,
        "names": "faker:ru_RU",
        "languages": [["rus"]],
        "statuses": {
            "asylg_55": 40,
            "aufenthg_25_2_refugee": 20,
            "aufenthg_18g": 20,
            "aufenthg_30": 20,
        },
    },
    "IND": {
        "weight": 3,
        "names": "faker:en_IN",
        "languages": [["hin", "eng"], ["tam", "eng"], ["mal", "eng"]],
        "statuses": {
            "aufenthg_18g": 45,
            "aufenthg_18b": 20,
            "aufenthg_16b": 25,
            "aufenthg_20a": 10,
        },
    },
    "VNM": {
        "weight": 2,
        "names": "faker:vi_VN",
        "languages": [["vie"]],
        "statuses": {"aufenthg_16a": 45, "aufenthg_18a": 30, "aufenthg_30": 25},
    },
    "NGA": {
        "weight": 2,
        "names": "faker:en_NG",
        "languages": [["eng", "yor"], ["eng", "ibo"], ["eng"]],
        "statuses": {"asylg_55": 30, "aufenthg_60a": 25, "aufenthg_16b": 20, "aufenthg_16d": 25},
    },
    "ITA": {
        "weight": 2,
        "names": "ITA",
        "languages": [["ita"]],
        "statuses": {"freizuegg_2": 80, "freizuegg_4a": 20},
    },
}

COUNTRY_NAMES = {
    "UKR": "der Ukraine",
    "SYR": "Syrien",
    "AFG": "Afghanistan",
    "TUR": "der Türkei",
    "IRQ": "dem Irak",
    "ROU": "Rumänien",
    "POL": "Polen",
    "BGR": "Bulgarien",
    "ERI": "Eritrea",
    "IRN": "dem Iran",
    "RUS": "Russland",
    "IND": "Indien",
    "VNM": "Vietnam",
    "NGA": "Nigeria",
    "ITA": "Italien",
}

LANGUAGE_NAMES = {
    "ukr": "Ukrainisch",
    "rus": "Russisch",
    "apc": "Arabisch (levantinisch)",
    "ara": "Arabisch",
    "acm": "Arabisch (irakisch)",
    "kmr": "Kurmandschi",
    "ckb": "Sorani",
    "prs": "Dari",
    "pus": "Paschtu",
    "tur": "Türkisch",
    "ron": "Rumänisch",
    "rom": "Romanes",
    "pol": "Polnisch",
    "bul": "Bulgarisch",
    "tir": "Tigrinya",
    "fas": "Persisch",
    "hin": "Hindi",
    "tam": "Tamil",
    "mal": "Malayalam",
    "eng": "Englisch",
    "vie": "Vietnamesisch",
    "yor": "Yoruba",
    "ibo": "Igbo",
    "ita": "Italienisch",
}


def _names(text: str) -> list[str]:
    return text.split()


# Hand-kept name lists: (male given names, female given names, family names).
NAMES = {
    "SYR": (
        _names(
            "Mohammad Ahmad Omar Khaled Yousef Hassan Ali Mahmoud Ibrahim Mustafa Abdulrahman "
            "Firas Samer Bashar Rami Tarek Karim Walid Amjad Hussam"
        ),
        _names(
            "Fatima Amira Rana Lina Hiba Nour Yasmin Rasha Dima Ghada Reem Layla Mariam Salma "
            "Aya Hanan Sara Nisreen Rima Zeinab"
        ),
        _names(
            "Al-Hassan Haddad Khalil Al-Ahmad Darwish Hamdan Shaheen Mansour Al-Khatib Nasser "
            "Suleiman Qassem Halabi Jaber Al-Ali Othman Hamwi Kurdi Zaher Barakat Saleh Abdullah "
            "Al-Masri Dabbagh Hourani Kassab Tahhan Aziz Sabbagh Al-Hamoud"
        ),
    ),
    "AFG": (
        _names(
            "Ahmad Mohammad Farid Hamid Jawad Karim Mustafa Najib Rahim Sayed Wahid Zabihullah "
            "Habibullah Ali Hussain Reza Mahdi Mirwais Omid Nasir"
        ),
        _names(
            "Fatima Zahra Maryam Shabnam Fereshta Farzana Nargis Parwana Roya Sima Soraya Laila "
            "Mursal Mahbooba Khadija Masuma Nilofar Zarghona Homa Tamana"
        ),
        _names(
            "Ahmadi Hakimi Hashimi Haidari Karimi Mohammadi Noori Rahimi Rezai Sadat Safi Sultani "
            "Wardak Yusufzai Stanikzai Popal Amiri Jafari Hussaini Nazari Azizi Qaderi Sharifi "
            "Sahak Durrani"
        ),
    ),
    "IRQ": (
        _names(
            "Ali Hussein Haider Mustafa Ahmed Karwan Shivan Dilshad Saman Rebwar Khalil Murad "
            "Sabah Zaid Omar Nawzad Azad Hogir Barzan Faris"
        ),
        _names(
            "Zainab Noor Shireen Nadia Jihan Avin Berivan Rojin Layla Huda Samira Gulistan Dilan "
            "Hana Shilan Narin Rania Sawsan Bahar Zozan"
        ),
        _names(
            "Al-Jubouri Al-Obaidi Hussein Kareem Murad Khudeda Qasim Rashid Saleh Mahmood Haji "
            "Ismail Khalaf Hassan Omar Mirza Elias Sulaiman Abbas Jabbar Darwesh Hamo Naso "
            "Khalil Bakr"
        ),
    ),
    "TUR": (
        _names(
            "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim Murat Emre Burak Serkan Kemal Okan "
            "Yusuf Cem Deniz Onur Volkan Ercan Tolga"
        ),
        _names(
            "Ayşe Fatma Emine Hatice Zeynep Elif Merve Esra Özlem Derya Sevgi Gül Yasemin Melek "
            "Büşra Sibel Canan Dilek Aylin Ebru"
        ),
        _names(
            "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan "
            "Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Erdem Güneş Aksoy"
        ),
    ),
    "ERI": (
        _names(
            "Yonas Dawit Tesfay Mehari Habte Kidane Semere Yohannes Berhane Filmon Amanuel "
            "Michael Samuel Ermias Natnael Abraham Tekle Goitom Efrem Biniam"
        ),
        _names(
            "Selam Helen Senait Ruth Yordanos Feven Luwam Saba Winta Hiwet Eden Rahel Tsega "
            "Mebrat Lidya Selamawit Nebiat Azieb Abrehet Senay"
        ),
        _names(
            "Tesfamariam Ghebremedhin Haile Tekle Berhane Woldemariam Gebremichael Kahsay "
            "Habtemariam Andemariam Ghirmay Weldu Asmerom Mehari Teklehaimanot Tesfaldet Zerai "
            "Russom Okbamichael Haileselassie"
        ),
    ),
    "IRN": (
        _names(
            "Reza Mohammad Ali Amir Hossein Mehdi Saeed Hamid Behnam Dariush Farhad Kamran "
            "Babak Navid Arash Omid Peyman Siamak Kourosh Milad"
        ),
        _names(
            "Maryam Fatemeh Zahra Shirin Parisa Nasrin Leila Mahsa Niloufar Sara Azadeh Roya Mina "
            "Elham Golnaz Shabnam Samira Yasaman Negin Ladan"
        ),
        _names(
            "Ahmadi Hosseini Karimi Moradi Rezaei Jafari Mohammadi Rahimi Sadeghi Tehrani "
            "Shirazi Kazemi Mousavi Najafi Rostami Farahani Ghasemi Akbari Azizi Esfahani"
        ),
    ),
    "BGR": (
        _names(
            "Georgi Ivan Dimitar Nikolay Petar Hristo Stoyan Todor Vasil Martin Aleksandar "
            "Kaloyan Plamen Yordan Atanas"
        ),
        _names(
            "Maria Ivanka Elena Desislava Yordanka Svetlana Gergana Petya Radostina Teodora "
            "Nadezhda Milena Daniela Galina Vesela"
        ),
        _names(
            "Ivanov Georgiev Dimitrov Petrov Nikolov Hristov Stoyanov Todorov Iliev Angelov "
            "Atanasov Kolev Marinov Popov Yordanov"
        ),
    ),
    "ITA": (
        _names(
            "Marco Luca Giuseppe Francesco Alessandro Andrea Matteo Lorenzo Davide Simone "
            "Antonio Salvatore Stefano Roberto Paolo"
        ),
        _names(
            "Giulia Francesca Chiara Sara Martina Valentina Alessia Federica Elena Anna Laura "
            "Silvia Paola Roberta Giovanna"
        ),
        _names(
            "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
            "Conti Lombardo Costa Giordano Mancini Rizzo Lombardi Moretti"
        ),
    ),
}

# Where Faker's female family name differs from the male one, the family shares one name;
# these endings turn it into the form of the other gender.
GENDERED_ENDINGS = {
    "RUS": (("ova", "ov"), ("eva", "ev"), ("ina", "in"), ("aya", "iy")),
    "BGR": (("ova", "ov"), ("eva", "ev")),
    "UKR": (("ova", "ov"), ("eva", "ev"), ("ina", "in"), ("ska", "skyi"), ("tska", "tskyi")),
    "POL": (("ska", "ski"), ("cka", "cki"), ("dzka", "dzki")),
}
