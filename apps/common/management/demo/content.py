"""The raw material of the demo data: names, trades, job titles and price ranges.

Names mix Ghana's main naming traditions: Akan (day names such as Kwame and Akosua, with
Fante forms such as Kobina and Efua), Ga (Nii and Naa), Ewe (Selorm, Dzifa, Elikem) and
northern Dagbani, Frafra and Dagaare names. Prices are GH₵ figures typical of 2025 artisan
work in Ghana's cities, as whole cedis.
"""

WORKER_NAMES = [
    "Kwame Asante",
    "Kofi Boateng",
    "Yaw Owusu",
    "Kwabena Darko",
    "Kwaku Mensah",
    "Kojo Antwi",
    "Kwasi Appiah",
    "Akosua Frimpong",
    "Abena Pokua",
    "Afua Agyeman",
    "Adwoa Nyarko",
    "Osei Bonsu",
    "Kobina Amissah",
    "Ekow Essel",
    "Efua Sam",
    "Nana Yaw Acheampong",
    "Nii Armah Quaye",
    "Nii Lante Lamptey",
    "Naa Adjeley Tagoe",
    "Tetteh Nortey",
    "Ayele Allotey",
    "Odartey Lamptey",
    "Nii Okai Odoi",
    "Laryea Sowah",
    "Ashie Nikoi",
    "Selorm Agbeko",
    "Dzifa Ahiabor",
    "Elikem Kpodo",
    "Senyo Amedzro",
    "Edem Agbenyega",
    "Kafui Dzokoto",
    "Mawuli Tsikata",
    "Delali Ahadzi",
    "Abdul-Rahman Iddrisu",
    "Fuseini Alhassan",
    "Mahama Zakaria",
    "Amina Issahaku",
    "Salifu Yakubu",
    "Atinga Akolgo",
    "Bernard Dery",
    "Memunatu Abdulai",
    "Baba Seidu",
]

HIRER_NAMES = [
    "Ama Serwaa Owusu-Ansah",
    "Yaa Asantewaa Boakye",
    "Kwadwo Sarpong",
    "Esi Quartey",
    "Adjoa Badu",
    "Naa Dedei Aryee",
    "Nii Ayi Ankrah",
    "Korkor Addo",
    "Makafui Fiawoo",
    "Yayra Gbeve",
    "Worlali Kumah",
    "Issah Mohammed",
    "Ayishetu Sulemana",
    "Fatima Tahiru",
    "Daniel Naab",
]

HIRER_BUSINESSES = {
    "Kwadwo Sarpong": "Sarpong Estates, Kumasi",
    "Nii Ayi Ankrah": "Ankrah & Sons Construction",
    "Worlali Kumah": "Kumah Guest House, Ho",
    "Issah Mohammed": "Savanna Agro Processing",
}

# Per trade: headlines, skills, the usual day rate range in cedis, and job titles with budget ranges.
TRADES: dict[str, dict] = {
    "carpentry": {
        "headlines": ["Roofing and ceiling carpenter", "Furniture maker: beds, wardrobes and kitchen cabinets"],
        "skills": ["roofing", "POP ceilings", "wardrobes", "kitchen cabinets", "doors and frames", "formwork"],
        "day_rate": (150, 300),
        "jobs": [
            ("Build fitted wardrobe for master bedroom", 2500, 4500),
            ("Replace rotten roof trusses on 2-bedroom house", 6000, 12000),
            ("Make six dining chairs in odum wood", 3000, 4800),
            ("Fix sagging kitchen cabinet doors", 300, 600),
            ("Install new wooden doors and frames", 1800, 3500),
        ],
    },
    "masonry": {
        "headlines": ["Block-laying and plastering, houses and fences", "Mason for foundations and fence walls"],
        "skills": ["block-laying", "plastering", "foundations", "fence walls", "concrete slabs", "paving"],
        "day_rate": (120, 250),
        "jobs": [
            ("Build compound fence wall, 40 metres", 15000, 25000),
            ("Plaster and screed a chamber and hall", 2500, 4000),
            ("Lay foundation for a 3-bedroom house", 20000, 35000),
            ("Repair cracked septic tank cover", 800, 1500),
            ("Pave the compound with interlocking blocks", 7000, 12000),
        ],
    },
    "plumbing": {
        "headlines": ["Plumber for homes, hostels and shops", "Borehole pumps, water tanks and bathrooms"],
        "skills": ["PPR pipes", "water heaters", "borehole pumps", "polytanks", "bathroom fittings", "leak repair"],
        "day_rate": (150, 280),
        "jobs": [
            ("Fix leaking kitchen tap and sink valve", 150, 300),
            ("Install 2,000-litre polytank and pump", 1500, 2800),
            ("Replace bathroom fittings in two bathrooms", 1800, 3200),
            ("Unblock compound drain and soakaway", 400, 900),
            ("Connect new water heater in bathroom", 350, 700),
        ],
    },
    "electrical": {
        "headlines": ["Electrician: house wiring and fault finding", "Solar and inverter installer"],
        "skills": ["house wiring", "rewiring", "solar panels", "inverters", "prepaid meters", "fault finding"],
        "day_rate": (180, 350),
        "jobs": [
            ("Rewire a 3-bedroom house", 5000, 9000),
            ("Install solar panels and inverter for shop", 12000, 20000),
            ("Find and fix fault tripping the main switch", 200, 500),
            ("Fit ceiling fans in four rooms", 600, 1000),
            ("Wire new shop with sockets and lighting", 2500, 4500),
        ],
    },
    "welding": {
        "headlines": ["Welder: gates, burglar-proof and railings", "Steel fabrication for shops and homes"],
        "skills": ["gates", "burglar-proof", "railings", "steel doors", "container shops", "arc welding"],
        "day_rate": (150, 300),
        "jobs": [
            ("Fabricate sliding gate for compound", 6000, 11000),
            ("Fit burglar-proof bars on eight windows", 3500, 6000),
            ("Weld staircase railings", 2000, 3800),
            ("Repair broken hinge on metal gate", 150, 350),
        ],
    },
    "auto-mechanics": {
        "headlines": ["Auto mechanic for Toyota and Nissan", "Fitter: engines, gearboxes and brakes"],
        "skills": ["engine overhaul", "gearbox", "brakes", "suspension", "diagnostics", "servicing"],
        "day_rate": (150, 300),
        "jobs": [
            ("Service Toyota Corolla and change brake pads", 600, 1200),
            ("Overhaul engine of Nissan pickup", 5000, 9000),
            ("Diagnose check-engine light on Hyundai Elantra", 200, 450),
            ("Replace shock absorbers on Kia Rio", 900, 1600),
        ],
    },
    "tailoring": {
        "headlines": ["Kaba and slit, wedding and church wear", "Tailor for school uniforms and suits"],
        "skills": ["kaba and slit", "kente sewing", "suits", "school uniforms", "alterations", "embroidery"],
        "day_rate": (100, 200),
        "jobs": [
            ("Sew kaba and slit for engagement ceremony", 600, 1200),
            ("Make 30 school uniforms", 3000, 4500),
            ("Alter three suits", 250, 450),
            ("Sew matching outfits for a family of five", 1500, 2500),
        ],
    },
    "hairdressing": {
        "headlines": ["Hairdresser: braids, weaving and bridal hair", "Barber for home visits"],
        "skills": ["braids", "weaving", "bridal hair", "natural hair", "haircuts", "wig making"],
        "day_rate": (100, 250),
        "jobs": [
            ("Bridal hair for wedding party of six", 1500, 3000),
            ("Home haircuts for three children every month", 150, 300),
            ("Make two wigs from customer's hair", 500, 900),
        ],
    },
    "refrigeration": {
        "headlines": ["Fridge and air-conditioner technician", "AC installation and gas refills"],
        "skills": ["split AC installation", "gas refill", "fridge repair", "cold rooms", "AC servicing"],
        "day_rate": (180, 350),
        "jobs": [
            ("Install two split air-conditioners", 1200, 2200),
            ("Service and refill gas on four ACs", 800, 1500),
            ("Repair chest freezer that does not cool", 300, 700),
        ],
    },
    "painting": {
        "headlines": ["Painter: interiors, exteriors and screeding", "Decorator for homes and offices"],
        "skills": ["emulsion", "texture coat", "screeding", "spraying", "wallpaper", "exterior painting"],
        "day_rate": (120, 220),
        "jobs": [
            ("Paint 4-bedroom house inside and out", 6000, 10000),
            ("Screed and paint office walls", 2500, 4500),
            ("Repaint shop front and signboard", 800, 1500),
        ],
    },
    "tiling": {
        "headlines": ["Tiler for floors, bathrooms and kitchens", "Tiling and terrazzo finishing"],
        "skills": ["floor tiles", "wall tiles", "bathrooms", "terrazzo", "porcelain", "grouting"],
        "day_rate": (150, 280),
        "jobs": [
            ("Tile living room and dining floor", 2500, 4500),
            ("Tile two bathrooms floor to ceiling", 3000, 5500),
            ("Replace cracked tiles on the veranda", 400, 800),
        ],
    },
    "electronics-repair": {
        "headlines": ["Phone, TV and radio repairs", "Electronics technician for shops and homes"],
        "skills": ["phone screens", "TV repair", "sound systems", "decoders", "soldering"],
        "day_rate": (100, 200),
        "jobs": [
            ("Repair flat-screen TV with no picture", 250, 600),
            ("Set up church sound system", 800, 1500),
        ],
    },
    "aluminium": {
        "headlines": ["Aluminium windows, doors and partitions"],
        "skills": ["sliding windows", "aluminium doors", "glass partitions", "mosquito nets"],
        "day_rate": (150, 280),
        "jobs": [
            ("Fit sliding aluminium windows in five rooms", 5000, 9000),
            ("Install glass office partition", 3000, 6000),
        ],
    },
    "catering": {
        "headlines": ["Caterer for weddings, funerals and parties"],
        "skills": ["jollof for crowds", "waakye", "local dishes", "pastries", "event catering"],
        "day_rate": (150, 350),
        "jobs": [
            ("Cater for 150 guests at a funeral", 8000, 15000),
            ("Small chops for a birthday party of 40", 1200, 2000),
        ],
    },
}

TOWN_ADDRESSES = [
    "Near the Methodist church",
    "Behind the market",
    "Off the main road, third house",
    "Opposite the filling station",
    "Close to the police station",
    "Next to the basic school",
]

BIO_TEMPLATES = [
    "I have worked as a {trade} in {town} and nearby towns for {years} years. I trained as an apprentice "
    "and I take on jobs for homes, shops and churches. I bring my own tools and I clean up after the work.",
    "{years} years of {trade} work across {region}. I give a fair quote before I start, I keep to the agreed "
    "time, and I send photos of the progress on WhatsApp for clients who are away.",
    "Trained {trade} with {years} years on site. I work with a small team for bigger jobs and I am happy to "
    "advise on materials so the client does not waste money.",
]

COVER_LETTERS = [
    "Good day. I have done this kind of job many times in {town}. I can start {when} and finish quickly.",
    "Hello, I am interested. I have my own tools and I can show photos of similar work. My price includes labour.",
    "I can do this job well. I live close to {town}, so transport is not a problem. Materials are not included.",
    "Please consider me. I have {years} years of experience and my past clients can vouch for me.",
]
