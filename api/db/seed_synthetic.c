/*
 * seed_synthetic.c — the synthetic catalog of `storefront seed --products N`: product
 * number n becomes a product a shopper could believe, so that load tests, facets and
 * search at 100k or 1M products see data shaped like a real shop's.
 *
 * Shape, and why:
 * - Category sizes follow a Zipf-like law over the leaf categories (weight 1/rank, the
 *   table below lists them from the biggest): mice, mechanical keyboards and gaming
 *   laptops hold a large share, workstations and network switches a long tail. Facets,
 *   category pages and the planner's estimates then meet both broad and narrow lists.
 *   Inside a category, brands follow the same law (the first brand of a line sells most).
 * - Names and descriptions use the words shoppers type: brand + family + model code
 *   ("Tenko K8 Pro Mechanical Keyboard", "Orbit MX Master 3S Wireless Mouse",
 *   "Havoc Blaze 16 RTX 4070 Gaming Laptop"), features ("Wi-Fi 6E", "USB-C",
 *   "hot-swappable", "backlit"), and about one product in fourteen carries the
 *   Vietnamese name the shop would use ("Bàn phím cơ Tenko K8 Pro"). Model codes come
 *   from small per-line tables (some with digits: "G502", "T440s"), so names repeat
 *   across the catalog the way model names do, and the vocabulary is a few thousand
 *   words (about 5,000 in the names of 100k products), not one word per product.
 * - SKUs read brand-model-serial-variant ("TNK-K8P-2LKC-BRN"): the serial is n in base
 *   36, which keeps them unique; four parts cannot collide with the sample's three.
 * - Prices rise with the model tier (an RTX 4090 laptop costs more than an RTX 4050
 *   one); status, stock, dates and images come from the sample's rules (seed_product.c);
 *   fewer products are featured (1 in 40) than in the sample, as a shop with a million
 *   products does not feature a ninth of them.
 *
 * Everything is a pure function of n (integer arithmetic only, no libm), so the same N
 * gives the same catalog on any machine.
 */
#include <stdio.h>
#include <string.h>

#include "seed_catalog.h"

/* Up to this many product lines per category. */
#define LINES_PER_CATEGORY 4

/* One kind of product in a category. Lists are options separated by '|'. */
typedef struct synth_line {
    const char *noun;     /* ends an English name: "Wireless Mouse" */
    const char *noun_vi;  /* starts a Vietnamese name: "Chuột không dây" */
    const char *what;     /* the noun inside a sentence: "wireless mouse" */
    const char *brands;   /* brand slugs, the best-selling first */
    const char *families; /* "MX Master|Glide"; "" for none */
    const char *slots[3]; /* model code parts, concatenated: " 3" + "S"; NULL = none;
                           * each '#' becomes a digit: " G###" -> " G502" */
    int tier_slot;        /* the slot whose later options cost more, -1 for none */
    const char *attrs;    /* features, for names and descriptions (at least 3) */
    const char *pitch;    /* second sentences of the description */
    seed_kind kind;
    long price_lo, price_hi; /* entry variant, USD cents */
    int weight;              /* share of the category's products */
    const char *category2;   /* a second category, or NULL */
} synth_line;

typedef struct synth_category {
    const char *slug; /* a leaf of the sample category tree */
    synth_line lines[LINES_PER_CATEGORY];
} synth_category;

/* clang-format off */
const seed_brand seed_synthetic_brands[] = {
    {"lumina-gear", "Lumina Gear", "Lumina", "LUM",
     "RGB keyboards, mice and desk accessories that light up a setup."},
    {"corvid", "Corvid", "Corvid", "CRV",
     "Esports mice and headsets tested with professional players."},
    {"tenko", "Tenko Keyboards", "Tenko", "TNK",
     "Custom-grade mechanical keyboards with QMK/VIA and hot-swappable switches."},
    {"aurex-audio", "Aurex Audio", "Aurex", "AUX",
     "Earbuds and headphones with active noise cancelling and hi-res wireless audio."},
    {"stratos-computers", "Stratos Computers", "Stratos", "STR",
     "Laptops and desktops configured to order and shipped within 48 hours."},
    {"pixelcraft", "PixelCraft", "PixelCraft", "PXC",
     "Monitors for gamers and creators, factory calibrated."},
    {"nimbus-storage", "Nimbus Storage", "Nimbus", "NMB",
     "SSDs, portable drives and USB flash storage."},
    {"ferrolink", "Ferrolink", "Ferrolink", "FRL",
     "Cables and USB-C hubs with braided jackets and certified chips."},
    {"voltaic", "Voltaic Power", "Voltaic", "VOL",
     "GaN chargers and power banks for laptops and phones."},
    {"meridian-networks", "Meridian Networks", "Meridian", "MRD",
     "Routers and mesh Wi-Fi for homes and small offices."},
    {"sao-mai-audio", "Sao Mai Audio", "Sao Mai", "SMA",
     "Headphones and earbuds tuned in Ho Chi Minh City."},
    {"arcline", "Arcline", "Arcline", "ARC",
     "Quiet office keyboards, mice and headsets."},
    {"ironclad", "Ironclad Systems", "Ironclad", "IRC",
     "Business laptops and workstations with on-site service."},
    {"zenbyte", "Zenbyte", "Zenbyte", "ZNB",
     "Mini PCs and storage for home labs."},
    {"kaito", "Kaito", "Kaito", "KAI",
     "Thin and light laptops with OLED screens."},
    {"havoc", "Havoc Gaming", "Havoc", "HVC",
     "Gaming laptops, desktops and monitors built for high frame rates."},
    {"peakwave", "Peakwave", "Peakwave", "PKW",
     "Network adapters and switches that work out of the box."},
    {"tandem", "Tandem Docks", "Tandem", "TDM",
     "Docking stations and hubs for one-cable desks."},
};
const size_t seed_synthetic_brands_count =
    sizeof seed_synthetic_brands / sizeof seed_synthetic_brands[0];

/* Leaf categories from the biggest to the smallest: category i (from 0) gets weight
 * 1 / (i + 1). */
static const synth_category categories[] = {
    {"mice", {
     {"Wireless Mouse", "Chuột không dây", "wireless mouse",
      "orbit-peripherals|arcline|lumina-gear|kestrel-systems|northwind",
      "MX Master|MX Anywhere|Glide|Nomad", {" 3| 2| 4", "S|| Plus", NULL}, -1,
      "Bluetooth 5.3|2.4 GHz receiver|USB-C~ charging|silent clicks|8000 DPI sensor|"
      "multi-device switching|ergonomic shape|70-day battery|MagSpeed scroll wheel|tracking on glass",
      "Switch between three computers with one button.|"
      "The electromagnetic scroll wheel flies through long documents.|"
      "A full charge lasts up to 70 days; one minute of charging gives three hours.",
      SEED_COLOUR, 2499, 12999, 4, NULL},
     {"Gaming Mouse", "Chuột gaming", "gaming mouse",
      "corvid|emberforge|orbit-peripherals|havoc|lumina-gear",
      "Strike|Fang|Raptor|Hornet|Saber", {" V2| V3| X| Mini| Ultimate| G###| M#5#", "|| Pro| Wireless", NULL}, 1,
      "wireless~ connection|26000 DPI optical sensor|8000 Hz polling|58 g~ weight|RGB~ lighting|"
      "PTFE feet|optical switches|onboard memory|low-latency wireless|braided cable|"
      "ambidextrous~ shape",
      "Optical switches are rated for 90 million clicks.|"
      "Tuned with esports players for flicks and tracking.|"
      "Five onboard profiles travel with the mouse to any PC.",
      SEED_COLOUR, 2999, 15999, 3, NULL},
     {"Vertical Mouse", "Chuột công thái học", "vertical mouse",
      "arcline|kestrel-systems|orbit-peripherals",
      "Lift|Ergo|Vertica", {" V1| V2| M| S| 57", "|| Pro| Left", NULL}, -1,
      "57-degree vertical grip|wireless~ connection|Bluetooth|silent clicks|USB-C|thumb rest|"
      "rechargeable~ battery|4000 DPI~ sensor",
      "The handshake grip keeps the forearm relaxed through a long day.|"
      "Sized for small to medium hands.",
      SEED_COLOUR, 3999, 9999, 1, NULL},
     {"Mouse Pad", "Lót chuột", "mouse pad",
      "emberforge|corvid|lumina-gear|havoc",
      "Terrain|Glide Pad|Arena Mat|Dex", {" L| XL| XXL| M", "|| RGB| Speed| Control", NULL}, 0,
      "stitched edges|non-slip rubber base|RGB edge lighting|cloth surface|hard surface|"
      "900 x 400 mm|water-resistant coating",
      "A desk-sized surface for low-sensitivity players.|"
      "The micro-woven cloth gives consistent glide in every direction.",
      SEED_COLOUR, 999, 4999, 1, NULL},
    }},
    {"mechanical-keyboards", {
     {"Mechanical Keyboard", "Bàn phím cơ", "mechanical keyboard",
      "tenko|quillkey|lumina-gear|arcline",
      "K|Q|V", {"8|2|6|3|1|5|10|12", " Pro| Max| SE|| V2", NULL}, -1,
      "hot-swappable~ switches|gasket mount|PBT keycaps|per-key RGB|south-facing RGB|"
      "QMK/VIA~ support|aluminium case|Gateron switches|double-shot keycaps|USB-C|75% layout|"
      "TKL layout|full-size layout|backlit~ keys|rotary knob",
      "Swap switches without soldering and make it yours.|"
      "Sound-dampening foam makes every keystroke deep and quiet.|"
      "Remap any key with QMK and VIA.",
      SEED_SWITCH, 4999, 19999, 4, NULL},
     {"Wireless Mechanical Keyboard", "Bàn phím cơ không dây", "wireless mechanical keyboard",
      "tenko|quillkey|lumina-gear",
      "K|B|S", {"3|8|5|1|2|7|9|11", " Pro| Max| Low Profile|", NULL}, -1,
      "tri-mode wireless|Bluetooth 5.1|2.4 GHz wireless|hot-swappable~ switches|4000 mAh battery|"
      "RGB backlight|"
      "PBT keycaps|Mac and Windows keycaps|USB-C|low-profile switches",
      "Pair up to three devices over Bluetooth and switch with a key.|"
      "The battery lasts weeks with the backlight off.",
      SEED_SWITCH, 6999, 21999, 2, "wireless-keyboards"},
     {"Gaming Keyboard", "Bàn phím gaming", "gaming keyboard",
      "emberforge|corvid|havoc|lumina-gear",
      "Anvil|Storm|Vanguard|Forge", {" V2| V3| Pro| Elite| X", " TKL| Mini|| 75%", NULL}, -1,
      "optical switches|rapid trigger|8000 Hz polling|per-key RGB|magnetic wrist rest|"
      "media keys|volume wheel|analog switches|PBT keycaps|hot-swappable~ switches",
      "Rapid trigger resets a key the instant it starts to rise.|"
      "Dedicated media keys and a metal volume wheel.",
      SEED_SWITCH, 5999, 24999, 2, NULL},
    }},
    {"gaming-laptops", {
     {"Gaming Laptop", "Laptop gaming", "gaming laptop",
      "emberforge|havoc|stratos-computers|northwind",
      "Blaze|Vortex|Talon|Phantom|Onyx",
      {" 14| 15| 16| 17| 18", " RTX 3050| RTX 4050| RX 7600S| RTX 4060| RTX 4070| RTX 4080| RTX 4090",
       "|| G###JV| #6AR#"}, 1,
      "165Hz display|240Hz QHD display|Intel Core i7|Intel Core i9|AMD Ryzen 9|AMD Ryzen 7|"
      "per-key RGB keyboard|Wi-Fi 6E|Wi-Fi 7|vapour chamber cooling|MUX switch|"
      "USB-C charging|Thunderbolt 4|DDR5 memory|PCIe 4.0 SSD",
      "Vapour chamber cooling keeps clocks high through long sessions.|"
      "A MUX switch sends frames straight to the display for more FPS.|"
      "Upgradeable RAM and two M.2 slots leave room to grow.",
      SEED_LAPTOP, 79900, 369900, 1, NULL},
    }},
    {"headsets", {
     {"Gaming Headset", "Tai nghe gaming", "gaming headset",
      "cobalt-audio|corvid|emberforge|havoc|aurex-audio",
      "Reef|Siren|Tempest|Nova", {" X| V2| 7| 9|| H###", " Wireless|| Pro| Lite| 7.1", NULL}, -1,
      "50 mm drivers|7.1 surround sound|detachable mic|memory-foam cushions|2.4 GHz wireless|"
      "Bluetooth 5.3|RGB~ lighting|40-hour battery|USB-C|3.5 mm jack|noise-cancelling mic",
      "Works with PC, PlayStation, Xbox and Switch.|"
      "Memory-foam cushions stay comfortable for hours.|"
      "The flip-to-mute mic is clear enough for streaming.",
      SEED_COLOUR, 2999, 24999, 3, NULL},
     {"Noise-Cancelling Headphones", "Tai nghe chống ồn", "pair of noise-cancelling headphones",
      "cobalt-audio|aurex-audio|sao-mai-audio",
      "Tide|Calm|Hush", {" 3| 4| 5| 700| 900", "|| Pro| ANC| Max", NULL}, 0,
      "active noise cancelling|LDAC|Bluetooth 5.3|30-hour battery|multipoint|"
      "USB-C fast charging|foldable~ design|spatial audio|hi-res audio",
      "Adaptive ANC silences trains, planes and open offices.|"
      "Ten minutes of charging gives five hours of music.",
      SEED_COLOUR, 4999, 34999, 2, NULL},
     {"Wireless Earbuds", "Tai nghe không dây", "pair of wireless earbuds",
      "aurex-audio|cobalt-audio|sao-mai-audio",
      "Drift|Buds|Pebble", {" 2| 3| 4| 5| Air| T###", "|| Pro| Lite| Sport", NULL}, -1,
      "ANC|IPX4~ rating|IP57~ rating|wireless charging case|Bluetooth 5.3|8-hour battery|multipoint|"
      "low-latency gaming mode|transparency mode",
      "The case adds three more charges in your pocket.|"
      "Sweat-resistant and secure for runs and workouts.",
      SEED_COLOUR, 1999, 24999, 2, NULL},
     {"Office Headset", "Tai nghe văn phòng", "office headset",
      "cobalt-audio|arcline|kestrel-systems",
      "Harbor|Voice|Clear", {" 20| 30| 40| 50| 65", " Mono| Stereo|| USB-C| DECT", NULL}, 0,
      "noise-cancelling boom mic|Teams~ certification|Zoom~ certification|USB-A|USB-C|"
      "Bluetooth|busy light|inline mute control|24-hour talk time",
      "Callers hear you, not the open office around you.|"
      "Plug and play with every major calling app.",
      SEED_COLOUR, 2999, 19999, 1, NULL},
    }},
    {"cables", {
     {"Cable", "Cáp", "cable",
      "wirewell|ferrolink|voltaic",
      "|Pro|Flex",
      {" USB-C to USB-C| USB-C to USB-A| USB-C to Lightning| Thunderbolt 4| Thunderbolt 5|"
       " HDMI 2.1| DisplayPort 2.1| USB-C to HDMI| USB4", "| Braided| Slim| Right-Angle| Pro", NULL}, -1,
      "braided~ nylon jacket|USB-C|a 30000-bend rating|reinforced connectors|E-Marker chip|"
      "fast charging|8K video|40 Gbps data|gold-plated connectors",
      "The braided jacket survives backpacks, car doors and pets.|"
      "Certified for full-speed charging and data.",
      SEED_LENGTH, 699, 4999, 1, NULL},
    }},
    {"ultrabooks", {
     {"Ultrabook", "Laptop mỏng nhẹ", "ultrabook",
      "halcyon-labs|kaito|northwind|stratos-computers",
      "Aero|Air|Slim|Lumen|Feather", {" 13| 14| 15| 16", "|| Pro| Plus| OLED| Carbon", NULL}, 1,
      "2.8K OLED display|Intel Core Ultra 7|Intel Core Ultra 5|AMD Ryzen AI 9|Wi-Fi 7|"
      "Wi-Fi 6E|Thunderbolt 4|USB-C|backlit keyboard|18-hour battery|1.1 kg~ weight|"
      "aluminium chassis|fingerprint reader|120Hz display|fanless~ design",
      "It weighs about a kilogram and lasts a full working day.|"
      "The OLED screen shows true blacks and vivid colour.",
      SEED_LAPTOP, 69900, 199900, 1, NULL},
    }},
    {"ssd", {
     {"NVMe SSD", "Ổ cứng SSD NVMe", "NVMe SSD",
      "vaultline|nimbus-storage|zenbyte|emberforge",
      "Sprint|Nova|Blitz", {" 770| 850| 970| 990| 1000", " Plus| Pro| X|| Elite", NULL}, 0,
      "PCIe 4.0|PCIe 5.0|PCIe 3.0|7000 MB/s reads|12400 MB/s reads|DRAM cache|heatsink|"
      "M.2 2280|five-year warranty|PS5~ compatibility|DirectStorage~ support",
      "Games load in seconds and large files copy at full speed.|"
      "A slim heatsink keeps speeds up under sustained writes.",
      SEED_SSD, 2999, 16999, 3, NULL},
     {"SATA SSD", "Ổ cứng SSD SATA", "SATA SSD",
      "vaultline|nimbus-storage|zenbyte",
      "Core|Base", {" 300| 500| 870| 880", "|| Plus| Pro", NULL}, 0,
      "2.5-inch~ form factor|SATA III|560 MB/s~ reads|7 mm~ height|M.2 SATA|3D NAND|"
      "five-year warranty",
      "The simplest upgrade for an older laptop or desktop.|"
      "Migration software copies your old drive in minutes.",
      SEED_SSD, 2499, 5999, 1, NULL},
    }},
    {"gaming-monitors", {
     {"Gaming Monitor", "Màn hình gaming", "gaming monitor",
      "brightfield|pixelcraft|emberforge|havoc",
      "Pulse|Arena|Rift", {" 24| 25| 27| 32| 34| 49", "F|Q|QF|U|UQ|W", "1|3|5|7|9|#0|#5"}, 0,
      "165Hz~ refresh rate|180Hz~ refresh rate|240Hz~ refresh rate|360Hz~ refresh rate|"
      "OLED~ panel|QD-OLED~ panel|fast IPS~ panel|1 ms response|G-Sync~ compatibility|"
      "FreeSync Premium|HDR400|HDR600|QHD~ resolution|4K~ resolution|HDMI 2.1|curved~ screen|USB-C",
      "Adaptive sync removes tearing at any frame rate.|"
      "HDMI 2.1 runs consoles at 4K 120Hz.",
      SEED_STAND, 12999, 129999, 1, NULL},
    }},
    {"business-laptops", {
     {"Business Laptop", "Laptop doanh nhân", "business laptop",
      "kestrel-systems|ironclad|northwind|stratos-computers",
      "Atlas|Ledger|Vantage|Summit", {" 13| 14| 15| 16", " G2| G3| G4| Gen 5| Gen 6|", "|| T###s"}, 1,
      "Intel Core Ultra 5 vPro|Intel Core Ultra 7 vPro|TPM 2.0|smart card reader|"
      "privacy shutter|spill-resistant keyboard|LTE|5G modem|Wi-Fi 6E|fingerprint reader|"
      "numeric keypad|MIL-STD-810H~ testing|backlit keyboard|USB-C",
      "IT can manage, update and lock it remotely.|"
      "Three years of on-site service come standard.",
      SEED_LAPTOP, 59900, 219900, 1, NULL},
    }},
    {"wireless-keyboards", {
     {"Wireless Keyboard", "Bàn phím không dây", "wireless keyboard",
      "quillkey|arcline|kestrel-systems|northwind",
      "Slate|MX Keys|Type", {" 2| 3| 5| S| Mini", "|| Plus| Compact| for Mac", NULL}, -1,
      "Bluetooth|2.4 GHz receiver|quiet scissor keys|backlit~ keys|USB-C charging|"
      "multi-device~ pairing|low-profile keys|spill-resistant~ design|numeric keypad|"
      "solar~ charging",
      "Smart backlighting wakes up as your hands approach.|"
      "Type on your laptop, tablet and phone from one keyboard.",
      SEED_COLOUR, 1999, 11999, 3, NULL},
     {"Keyboard and Mouse Combo", "Bộ bàn phím chuột không dây", "keyboard and mouse set",
      "northwind|arcline|kestrel-systems",
      "Type|Desk Set", {" 200| 300| 500| 700| 900", "|| Silent| Pro", NULL}, 0,
      "one USB receiver|silent clicks|spill-resistant~ keys|3-year battery|full-size layout|"
      "Bluetooth|backlit keys",
      "Both pair through one tiny receiver.|A tidy desk in one box.",
      SEED_COLOUR, 1999, 9999, 1, "mice"},
    }},
    {"chargers", {
     {"GaN Charger", "Củ sạc nhanh", "GaN charger",
      "voltaic|northwind|wirewell|ferrolink",
      "Charge|Nano|Volt", {" 30W| 45W| 65W| 100W| 140W| 200W", "|| Duo| 3-Port| 4-Port| Slim", NULL}, 0,
      "GaN~ technology|USB-C PD 3.1|PPS~ support|foldable plug|USB-A port|fast charging|"
      "compact size|"
      "travel adapter|overheat protection",
      "Charges a laptop and a phone at the same time.|"
      "Half the size of the charger that came with your laptop.",
      SEED_PLUG, 1499, 12999, 1, NULL},
    }},
    {"hubs-docks", {
     {"USB-C Hub", "Hub chuyển đổi USB-C", "USB-C hub",
      "wirewell|ferrolink|tandem",
      "Hub|Link|Port", {" 4-in-1| 5-in-1| 7-in-1| 8-in-1| 10-in-1| 12-in-1", "|| Pro| Travel| Max", NULL}, 0,
      "4K HDMI|dual HDMI|SD card reader|gigabit Ethernet|100W pass-through charging|"
      "USB-A 3.2|USB-C|aluminium shell",
      "Adds the ports your thin laptop left out.|The short cable folds away for travel.",
      SEED_COLOUR, 1999, 8999, 2, NULL},
     {"Docking Station", "Dock mở rộng", "docking station",
      "tandem|wirewell|kestrel-systems",
      "Dock|Base|Station", {" TB3| TB4| TB5| USB-C| USB4| DL", " Dual 4K| Triple 4K|| Pro| 96W| 140W", NULL}, 0,
      "Thunderbolt 4|Thunderbolt 5|dual 4K displays|2.5G Ethernet|96W charging|DisplayLink|"
      "USB-C|SD card reader|Kensington lock slot",
      "One cable connects monitors, network and peripherals.|Works with Windows and macOS.",
      SEED_PLUG, 9999, 39999, 1, NULL},
    }},
    {"professional-monitors", {
     {"Monitor", "Màn hình", "monitor",
      "brightfield|pixelcraft|kestrel-systems|halcyon-labs",
      "Vista|Desk|Canvas|Clarity", {" 22| 24| 27| 32| 34", "U|P|E|Q|UQ|PQ", "2|3|4|7|9|20|#0|#5"}, 0,
      "4K~ resolution|QHD~ resolution|IPS~ panel|USB-C 65W|USB-C 90W|KVM switch|daisy chain|"
      "height-adjustable stand|flicker-free~ backlight|99% DCI-P3|factory~ calibration|"
      "Thunderbolt 4|RJ45|HDR400|low blue light~ mode",
      "One USB-C cable carries video, data and power to a laptop.|"
      "Each unit is calibrated at the factory to a Delta E below 2.",
      SEED_STAND, 9999, 279999, 3, NULL},
     {"Portable Monitor", "Màn hình di động", "portable monitor",
      "brightfield|pixelcraft",
      "Flow|Go", {" 14| 15.6| 16| 18", "|| OLED| Touch| 4K", NULL}, 0,
      "USB-C~ power|mini HDMI|folio stand|720 g~ weight|touch screen|144Hz~ refresh rate|"
      "OLED~ panel",
      "A second screen that fits in a laptop sleeve.",
      SEED_STAND, 12999, 34999, 1, NULL},
    }},
    {"external-drives", {
     {"Portable SSD", "Ổ cứng SSD di động", "portable SSD",
      "vaultline|nimbus-storage|zenbyte",
      "Roam|Voyager|Trek", {" P3| P5| P7| X5| X9", "|| Shield| Pro| Mini", NULL}, 0,
      "USB-C|USB 3.2 Gen 2|1050 MB/s~ transfers|2000 MB/s~ transfers|IP65~ rating|"
      "3 m drop protection|hardware encryption|"
      "aluminium shell",
      "Edits 4K video straight from the drive.|Drop-tested and dust-sealed for travel.",
      SEED_SSD, 5999, 19999, 2, NULL},
     {"External Hard Drive", "Ổ cứng di động", "external hard drive",
      "vaultline|nimbus-storage",
      "Archive|Vault", {" Portable| Desktop| Slim| Duo", "|| Plus| Pro", NULL}, 0,
      "USB 3.2|USB-C|7200 rpm~ speed|5400 rpm~ speed|automatic backup|RAID 1|hardware encryption",
      "Backs up your computer automatically every hour.",
      SEED_HDD, 5999, 24999, 1, NULL},
    }},
    {"routers", {
     {"Wi-Fi Router", "Bộ phát Wi-Fi", "Wi-Fi router",
      "skyreach|meridian-networks|peakwave",
      "Horizon|Beacon|Falcon",
      {" AX1800| AX3000| AX5400| AX6000| BE3600| BE5000| BE7200| BE9300| BE19000", "|| Pro| Plus| Gaming", NULL}, 0,
      "Wi-Fi 6|Wi-Fi 6E|Wi-Fi 7|dual-band~ radios|tri-band~ radios|2.5G WAN|10G port|VPN server|"
      "parental controls|mesh~ support|WPA3|multi-link operation|USB 3.0 port",
      "Set it up from your phone in five minutes.|"
      "Automatic firmware updates keep the network secure.",
      SEED_PLUG, 4999, 59999, 1, NULL},
    }},
    {"usb-flash-drives", {
     {"USB Flash Drive", "Ổ USB", "USB flash drive",
      "vaultline|nimbus-storage|zenbyte",
      "Pocket|Clip|Dash", {" 3| 4| 5| C| Duo| DT###", "|| Metal| Max| Go", NULL}, -1,
      "USB 3.2 Gen 1|USB-C|USB-A|150 MB/s~ reads|400 MB/s~ reads|AES-256 encryption|"
      "keyring loop|waterproof~ casing|zinc alloy~ body",
      "Moves files between phone and computer.|Small enough for a keyring.",
      SEED_FLASH, 599, 5999, 1, NULL},
    }},
    {"gaming-desktops", {
     {"Gaming PC", "Máy tính chơi game", "gaming PC",
      "emberforge|havoc|stratos-computers",
      "Citadel|Bastion|Aegis|Titan",
      {" RTX 4060| RTX 4060 Ti| RTX 4070| RTX 4070 Super| RTX 4070 Ti Super| RTX 4080 Super| RTX 4090", "|| Mini| X3D", NULL}, 0,
      "AMD Ryzen 7 7800X3D|Intel Core i7-14700K|Intel Core i9-14900K|360 mm liquid cooler|"
      "tempered glass~ panel|RGB fans|850W Gold PSU|Wi-Fi 6E|DDR5~ memory|PCIe 4.0 NVMe SSD|"
      "tool-free upgrades",
      "Built, cable-managed and stress-tested before it ships.|"
      "Plays current games at high settings in 1440p.",
      SEED_DESKTOP, 99900, 399900, 1, NULL},
    }},
    {"2-in-1-laptops", {
     {"2-in-1 Laptop", "Laptop 2 trong 1", "2-in-1 laptop",
      "halcyon-labs|northwind|kaito",
      "Flip|Swivel|Pivot", {" 12| 13| 14| 16", "|| Pro| Plus| OLED", NULL}, 0,
      "touch display|included stylus|360-degree hinge|OLED~ screen|Intel Core Ultra 7|Wi-Fi 6E|"
      "USB-C|pen support|fingerprint reader",
      "Fold it into a tablet to sketch or take notes.|"
      "The pen clips magnetically to the side.",
      SEED_LAPTOP, 49900, 179900, 1, NULL},
    }},
    {"network-adapters", {
     {"Network Adapter", "Card mạng", "network adapter",
      "skyreach|peakwave|meridian-networks",
      "Link|Bridge",
      {" USB Wi-Fi 6| USB Wi-Fi 6E| PCIe Wi-Fi 7| 2.5G USB-C| 5G USB-C| 10G PCIe", "|| Pro| Nano", NULL}, 0,
      "plug-and-play~ setup|Bluetooth 5.3|antenna dock|RJ45|USB 3.0|Linux drivers|WPA3",
      "Adds fast networking to any desktop or laptop.",
      SEED_PLUG, 1499, 14999, 1, NULL},
    }},
    {"mini-pcs", {
     {"Mini PC", "Máy tính mini", "mini PC",
      "northwind|zenbyte|kestrel-systems",
      "Cube|Nano|Brick", {" N100| N305| i3| i5| i7| Ryzen 5| Ryzen 7| Ryzen 9", "|| Pro| Plus", NULL}, 0,
      "Wi-Fi 6E|2.5G Ethernet|Thunderbolt 4|USB4|dual HDMI|VESA mount|silent operation|"
      "Radeon 780M graphics|OCuLink|triple 4K output",
      "Mounts behind a monitor and disappears.|Draws less power than a light bulb at idle.",
      SEED_DESKTOP, 19900, 99900, 1, NULL},
    }},
    {"all-in-one-pcs", {
     {"All-in-One PC", "Máy tính tất cả trong một", "all-in-one PC",
      "halcyon-labs|northwind|stratos-computers",
      "Studio|Home|Canvas One", {" 22| 24| 27| 32", "|| Pro| Touch", NULL}, 0,
      "4K display|5K display|touch screen|pop-up webcam|wireless keyboard and mouse|Wi-Fi 6E|"
      "AMD Ryzen 7|Intel Core 7|built-in speakers|height-adjustable stand",
      "One cable to the wall and you are done.|A family computer that looks good in the kitchen.",
      SEED_DESKTOP, 59900, 329900, 1, NULL},
    }},
    {"mesh-wifi", {
     {"Mesh Wi-Fi System", "Hệ thống Wi-Fi Mesh", "mesh Wi-Fi system",
      "skyreach|meridian-networks",
      "Canopy|Weave|Halo", {" AX1800| AX3000| AX5400| BE5000| BE11000| BE22000", "|| Pro| Tri-Band", NULL}, 0,
      "Wi-Fi 6|Wi-Fi 7|whole-home coverage|Ethernet backhaul|2.5G Ethernet|dedicated backhaul|"
      "app setup|WPA3|seamless roaming",
      "One network name from the basement to the garden.|Add a node whenever you need more range.",
      SEED_PACK, 9999, 59999, 1, NULL},
    }},
    {"network-switches", {
     {"Network Switch", "Bộ chia mạng", "network switch",
      "skyreach|peakwave",
      "Relay|Grid", {" 5-Port| 8-Port| 16-Port| 24-Port", " Gigabit| 2.5G| PoE+| Managed| 10G", NULL}, 0,
      "fanless~ cooling|metal case|VLAN~ support|QoS|rack-mount~ ears|"
      "desktop or wall mounting|plug-and-play~ setup|PoE+ 120W budget",
      "Silent, fanless and ready out of the box.",
      SEED_PLUG, 1999, 29999, 1, NULL},
    }},
    {"workstations", {
     {"Workstation", "Máy trạm", "workstation",
      "kestrel-systems|ironclad",
      "Forge|Apex|Quantum", {" W3| W5| W7| W9", "|| Dual GPU| Rack", NULL}, 0,
      "Intel Xeon W|AMD Threadripper PRO|NVIDIA RTX 2000 Ada|NVIDIA RTX 4500 Ada|"
      "NVIDIA RTX 6000 Ada|ECC memory|ISV~ certification|1000W Platinum|tool-less chassis|10G Ethernet",
      "Certified for CAD, simulation and AI workloads.|Tool-less panels make upgrades quick.",
      SEED_DESKTOP, 199900, 1199900, 1, NULL},
    }},
};
/* clang-format on */

#define NCATEGORIES (sizeof categories / sizeof categories[0])

static const char *const adjectives[] = {
    "compact", "lightweight", "premium", "versatile", "reliable",   "affordable",
    "fast",    "quiet",       "durable", "sleek",     "well-built", "elegant",
};

/* Third sentences; %s is the `what` of the line. */
static const char *const closers[] = {
    "Backed by a two-year warranty and 30-day returns.",
    "Every %s ships in recyclable packaging.",
    "Free shipping on orders over $50.",
    "Compatible with Windows, macOS and Linux.",
    "Our staff test every %s before it ships.",
    "In the box: the %s and a quick start guide.",
};

/* Vietnamese closing lines for products with a Vietnamese name ("genuine goods,
 * N-month warranty"; "fast delivery nationwide"). */
static const char *const closers_vi[] = {
    "Hàng chính hãng, bảo hành 12 tháng.",
    "Hàng chính hãng, bảo hành 24 tháng. Giao hàng nhanh toàn quốc.",
    "Hàng chính hãng, bảo hành 36 tháng, đổi mới trong 30 ngày.",
};

enum {
    SALT_CATEGORY = 101,
    SALT_LINE,
    SALT_BRAND,
    SALT_FAMILY,
    SALT_SLOT,
    SALT_PRICE = SALT_SLOT + 3,
    SALT_ATTR,
    SALT_NAME,
    SALT_ADJ,
    SALT_PITCH,
    SALT_CLOSER,
    SALT_NVARIANTS,
    SALT_FIRST,
    SALT_FEATURED,
    SALT_DIGITS /* + slot */
};

static int list_count(const char *list);
static int pick(const char *list, int i, char *out, size_t cap);
static int zipf_index(int count, uint64_t r);
static const synth_category *pick_category(uint64_t h);
static const synth_line *pick_line(const synth_category *k, uint64_t h);
static const seed_brand *find_brand(const char *slug);
static long entry_price(const synth_line *l, int tier, int tiers, uint64_t r);
static void model_code(const char *model, char *out, size_t cap);
static void put_serial(char *out, size_t cap, long n);
static void pick_attrs(const synth_line *l, uint64_t h, char attrs[3][48], char titles[2][48]);

void seed_product_synthetic(long n, seed_product *p)
{
    memset(p, 0, sizeof *p);
    uint64_t h = seed_mix((uint64_t)n, 0x5eed);
    const synth_category *k = pick_category(h);
    const synth_line *l = pick_line(k, h);

    char brand_slug[40];
    pick(l->brands, zipf_index(list_count(l->brands), seed_mix(h, SALT_BRAND)), brand_slug,
         sizeof brand_slug);
    const seed_brand *b = find_brand(brand_slug);
    if (!b) /* a typo in the tables above; the sample's first brand keeps the row valid */
        b = &seed_brands[0];

    /* Model: family, then each slot's part. Earlier options are the best sellers,
     * except in the tier slot, which sets the price and is picked evenly so that
     * prices spread over the line's range. */
    char model[96], part[48];
    pick(l->families, zipf_index(list_count(l->families), seed_mix(h, SALT_FAMILY)), model,
         sizeof model);
    int tier = 0, tiers = 1;
    for (int s = 0; s < 3 && l->slots[s]; s++) {
        int count = list_count(l->slots[s]);
        uint64_t r = seed_mix(h, SALT_SLOT + (uint64_t)s);
        int i = s == l->tier_slot ? (int)(r % (uint64_t)count) : zipf_index(count, r);
        pick(l->slots[s], i, part, sizeof part);
        uint64_t digits = seed_mix(h, SALT_DIGITS + (uint64_t)s);
        for (char *d = strchr(part, '#'); d; d = strchr(d + 1, '#')) {
            *d = (char)('0' + digits % 10);
            digits /= 10;
        }
        /* Parts carry their own leading space (" 3" + "S", "K" + "8"); a model
         * without a family starts at its first word. */
        const char *add = !*model && *part == ' ' ? part + 1 : part;
        strncat(model, add, sizeof model - strlen(model) - 1);
        if (s == l->tier_slot) {
            tier = i;
            tiers = count;
        }
    }

    char attrs[3][48], titles[2][48];
    pick_attrs(l, h, attrs, titles);
    uint64_t name_roll = seed_mix(h, SALT_NAME);
    bool vietnamese = name_roll % 14 == 0;
    const char *a0 = titles[0], *a1 = titles[1];
    int extra = (int)(name_roll / 14 % 3); /* features named in the title: 0, 1 or 2 */
    if (vietnamese)
        snprintf(p->name, sizeof p->name, "%s %s %s%s%s", l->noun_vi, b->short_name, model,
                 extra ? " - " : "", extra ? a0 : "");
    else
        snprintf(p->name, sizeof p->name, "%s %s %s%s%s%s%s", b->short_name, model, l->noun,
                 extra ? ", " : "", extra ? a0 : "", extra == 2 ? ", " : "", extra == 2 ? a1 : "");
    snprintf(p->slug, sizeof p->slug, "synthetic-%ld", n);

    const char *adj = adjectives[seed_mix(h, SALT_ADJ) % (sizeof adjectives / sizeof *adjectives)];
    char pitch_text[200], closer[200];
    int np = list_count(l->pitch);
    pick(l->pitch, (int)(seed_mix(h, SALT_PITCH) % (uint64_t)np), pitch_text, sizeof pitch_text);
    uint64_t c = seed_mix(h, SALT_CLOSER);
    snprintf(closer, sizeof closer, closers[c % (sizeof closers / sizeof *closers)], l->what);
    int len = snprintf(p->description, sizeof p->description,
                       "The %s %s is a%s %s %s with %s, %s and %s. %s %s", b->short_name, model,
                       strchr("aeiou", adj[0]) ? "n" : "", adj, l->what, attrs[0], attrs[1],
                       attrs[2], pitch_text, closer);
    if (vietnamese && len > 0 && (size_t)len < sizeof p->description)
        snprintf(p->description + len, sizeof p->description - (size_t)len, " %s",
                 closers_vi[c / 8 % (sizeof closers_vi / sizeof *closers_vi)]);

    p->brand = b->slug;
    p->categories[p->ncategories++] = k->slug;
    if (l->category2)
        p->categories[p->ncategories++] = l->category2;
    seed_fill_listing(p, h, 2);
    p->featured = seed_mix(h, SALT_FEATURED) % 40 == 0;

    /* Half the products come in one variant, a third in two, the rest in three;
     * colours, switches, plugs and stands start anywhere in their table. */
    uint64_t v = seed_mix(h, SALT_NVARIANTS) % 100;
    int nvariants = v < 50 ? 1 : v < 85 ? 2 : 3;
    int first = 0;
    if (l->kind == SEED_COLOUR || l->kind == SEED_SWITCH || l->kind == SEED_PLUG ||
        l->kind == SEED_STAND)
        first = (int)(seed_mix(h, SALT_FIRST) % (uint64_t)seed_kind_options(l->kind));
    char code[16], serial[16], sku_prefix[48];
    model_code(model, code, sizeof code);
    put_serial(serial, sizeof serial, n);
    snprintf(sku_prefix, sizeof sku_prefix, "%s-%s-%s", b->sku_code, code, serial);
    seed_fill_variants(p, h, l->kind, entry_price(l, tier, tiers, seed_mix(h, SALT_PRICE)),
                       nvariants, first, sku_prefix, true);
}

/* --- static helpers --------------------------------------------------------------- */

static int list_count(const char *list)
{
    int n = 1;
    for (; *list; list++)
        n += *list == '|';
    return n;
}

/* Copies option i of a '|'-separated list into out; returns its length. */
static int pick(const char *list, int i, char *out, size_t cap)
{
    for (; i > 0 && *list; list++)
        if (*list == '|')
            i--;
    size_t n = strcspn(list, "|");
    if (n >= cap)
        n = cap - 1;
    memcpy(out, list, n);
    out[n] = '\0';
    return (int)n;
}

/* An index below count with weight 1 / (index + 1): the first option is the most
 * common. 2520 is divisible by 1..10, so the weights are exact integers. */
static int zipf_index(int count, uint64_t r)
{
    uint64_t total = 0;
    for (int i = 0; i < count; i++)
        total += 2520 / (uint64_t)(i + 1);
    if (total == 0)
        return 0; /* count < 1: no options, callers never ask */
    uint64_t x = r % total;
    int i = 0;
    for (; i < count - 1; i++) {
        uint64_t w = 2520 / (uint64_t)(i + 1);
        if (x < w)
            break;
        x -= w;
    }
    return i;
}

/* Category i (from 0) has weight 1 / (i + 1), in integers. */
static const synth_category *pick_category(uint64_t h)
{
    enum { SCALE = 1000000 };
    uint64_t total = 0;
    for (size_t i = 0; i < NCATEGORIES; i++)
        total += SCALE / (i + 1);
    uint64_t x = seed_mix(h, SALT_CATEGORY) % total;
    for (size_t i = 0; i < NCATEGORIES - 1; i++) {
        uint64_t w = SCALE / (i + 1);
        if (x < w)
            return &categories[i];
        x -= w;
    }
    return &categories[NCATEGORIES - 1];
}

static const synth_line *pick_line(const synth_category *k, uint64_t h)
{
    int total = 0;
    for (int i = 0; i < LINES_PER_CATEGORY && k->lines[i].noun; i++)
        total += k->lines[i].weight;
    if (total <= 0)
        return &k->lines[0]; /* every category has weighted lines; this keeps % safe */
    int x = (int)(seed_mix(h, SALT_LINE) % (uint64_t)total);
    int i = 0;
    for (; i < LINES_PER_CATEGORY - 1 && k->lines[i + 1].noun; i++) {
        if (x < k->lines[i].weight)
            break;
        x -= k->lines[i].weight;
    }
    return &k->lines[i];
}

static const seed_brand *find_brand(const char *slug)
{
    for (size_t i = 0; i < seed_brands_count; i++)
        if (strcmp(seed_brands[i].slug, slug) == 0)
            return &seed_brands[i];
    for (size_t i = 0; i < seed_synthetic_brands_count; i++)
        if (strcmp(seed_synthetic_brands[i].slug, slug) == 0)
            return &seed_synthetic_brands[i];
    return NULL;
}

/* Between price_lo and price_hi, higher for a later option of the tier slot; squared,
 * so that cheap products outnumber expensive ones as in a real shop. */
static long entry_price(const synth_line *l, int tier, int tiers, uint64_t r)
{
    long t = ((long)tier * 1000 + (long)(r % 1000)) / tiers; /* 0..999 */
    long price = l->price_lo + (l->price_hi - l->price_lo) * t * t / 1000000;
    return seed_round_price(price);
}

/* "MX Master 3S" -> "MXM3S", "K8 Pro" -> "K8P", "Blaze 16 RTX 4070" -> "B16RTX4070": a
 * word with a digit or in capitals stays whole, any other gives its initial. */
static void model_code(const char *model, char *out, size_t cap)
{
    size_t n = 0;
    while (*model && n + 1 < cap) {
        while (*model == ' ')
            model++;
        size_t len = strcspn(model, " ");
        bool whole = false;
        for (size_t i = 0; i < len; i++)
            if ((model[i] >= '0' && model[i] <= '9') ||
                (model[i] >= 'A' && model[i] <= 'Z' && i > 0))
                whole = true;
        for (size_t i = 0; i < len && n + 1 < cap; i++) {
            char ch = model[i];
            if (ch >= 'a' && ch <= 'z')
                ch = (char)(ch - 'a' + 'A');
            if ((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
                out[n++] = ch;
                if (!whole)
                    break;
            }
        }
        model += len;
    }
    out[n] = '\0';
}

/* n in base 36, upper case, at least 4 digits: 1 -> "0001", 1000000 -> "LFLS". */
static void put_serial(char *out, size_t cap, long n)
{
    char tmp[16];
    size_t k = 0;
    do {
        tmp[k++] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[n % 36];
        n /= 36;
    } while ((n > 0 || k < 4) && k < sizeof tmp);
    size_t i = 0;
    for (; i < k && i + 1 < cap; i++)
        out[i] = tmp[k - 1 - i];
    out[i] = '\0';
}

/* Three different features of the line, as written in a sentence ("hot-swappable
 * switches") and as the title of the first two ("Hot-swappable"): a '~' in the table
 * ends the title part. */
static void pick_attrs(const synth_line *l, uint64_t h, char attrs[3][48], char titles[2][48])
{
    int count = list_count(l->attrs);
    uint64_t r = seed_mix(h, SALT_ATTR);
    int a = (int)(r % (uint64_t)count);
    int b = (a + 1 + (int)(r / 64 % (uint64_t)(count - 1))) % count;
    int c = (int)(r / 4096 % (uint64_t)count);
    while (c == a || c == b)
        c = (c + 1) % count;
    int picks[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        char raw[48];
        pick(l->attrs, picks[i], raw, sizeof raw);
        char *tilde = strchr(raw, '~');
        if (i < 2) {
            snprintf(titles[i], sizeof titles[i], "%.*s",
                     (int)(tilde ? (size_t)(tilde - raw) : strlen(raw)), raw);
            if (titles[i][0] >= 'a' && titles[i][0] <= 'z')
                titles[i][0] = (char)(titles[i][0] - 'a' + 'A');
        }
        if (tilde)
            memmove(tilde, tilde + 1, strlen(tilde));
        snprintf(attrs[i], sizeof attrs[i], "%s", raw);
    }
}
