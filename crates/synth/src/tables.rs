//! Static tables of the synthetic population: real US cities with their real
//! 3-digit ZIP prefixes, surnames and given names by origin with skewed
//! frequencies, street names, USPS suffixes, nicknames and detention facilities.
//!
//! The tables are compact text parsed once into [`Tables`]; they describe a
//! plausible population, not a census: weights are rough and deliberately
//! skewed (Zipf-like) so that common-name namesakes occur. This module does no
//! I/O and draws no random numbers.

use std::sync::OnceLock;

/// `city|state|zip3,zip3|weight` (weight ~ population in tens of thousands).
const CITIES: &str = "\
Los Angeles|CA|900|390
San Diego|CA|921,920|140
San Jose|CA|951|100
San Francisco|CA|941|80
Fresno|CA|937|54
Sacramento|CA|958,957,956|52
Long Beach|CA|908|46
Oakland|CA|946|43
Bakersfield|CA|933|40
Anaheim|CA|928|35
Santa Ana|CA|927|31
Riverside|CA|925|31
Stockton|CA|952|32
Chula Vista|CA|919|27
Fremont|CA|945|23
Irvine|CA|926|30
San Bernardino|CA|924|22
Modesto|CA|953|22
Oxnard|CA|930|20
Fontana|CA|923|21
Moreno Valley|CA|925|21
Glendale|CA|912|19
Huntington Park|CA|902|6
Salinas|CA|939|16
Pomona|CA|917|15
Ontario|CA|917|17
El Monte|CA|917|11
Santa Clarita|CA|913|22
Oceanside|CA|920|17
Garden Grove|CA|928|17
Escondido|CA|920|15
Visalia|CA|932|14
Westminster|CA|926|9
Daly City|CA|940|10
Watsonville|CA|950|5
Indio|CA|922|9
Delano|CA|932|5
Calexico|CA|922|4
Compton|CA|902|9
Downey|CA|902|11
Houston|TX|770|230
San Antonio|TX|782|145
Dallas|TX|752,753|130
Austin|TX|787|96
Fort Worth|TX|761|92
El Paso|TX|799|68
Arlington|TX|760|39
Corpus Christi|TX|784|32
Plano|TX|750|29
Laredo|TX|780|26
Lubbock|TX|794|26
Irving|TX|750|25
Garland|TX|750|24
Brownsville|TX|785|19
McAllen|TX|785|14
Pasadena|TX|775|15
Mesquite|TX|751|15
Grand Prairie|TX|750|20
Killeen|TX|765|15
Amarillo|TX|791|20
Edinburg|TX|785|10
Harlingen|TX|785|7
Pharr|TX|785|8
Mission|TX|785|8
Odessa|TX|797|11
Midland|TX|797|13
Waco|TX|767|14
Beaumont|TX|777|11
Denton|TX|762|14
Eagle Pass|TX|788|3
Del Rio|TX|788|3
Miami|FL|331|44
Hialeah|FL|330|22
Orlando|FL|328|31
Tampa|FL|336|39
Jacksonville|FL|322|95
St. Petersburg|FL|337|26
Fort Lauderdale|FL|333|18
Tallahassee|FL|323|20
Port St. Lucie|FL|349|20
Cape Coral|FL|339|20
Pembroke Pines|FL|330|17
Hollywood|FL|330|15
Miramar|FL|330|14
Homestead|FL|330|8
Kissimmee|FL|347|8
Immokalee|FL|341|3
West Palm Beach|FL|334|12
Doral|FL|331|8
Gainesville|FL|326|14
Lakeland|FL|338|11
New York|NY|100|160
Bronx|NY|104|140
Brooklyn|NY|112|260
Flushing|NY|113|30
Jamaica|NY|114|25
Corona|NY|113|11
Jackson Heights|NY|113|11
Elmhurst|NY|113|9
Staten Island|NY|103|49
Buffalo|NY|142|28
Rochester|NY|146|21
Yonkers|NY|107|21
Syracuse|NY|132|15
Albany|NY|122|10
New Rochelle|NY|108|8
Mount Vernon|NY|105|7
Hempstead|NY|115|6
Brentwood|NY|117|6
White Plains|NY|106|6
Newburgh|NY|125|3
Poughkeepsie|NY|126|3
Utica|NY|135|6
Chicago|IL|606|270
Aurora|IL|605|18
Joliet|IL|604|15
Naperville|IL|605|15
Rockford|IL|611|15
Elgin|IL|601|11
Cicero|IL|608|8
Waukegan|IL|600|9
Berwyn|IL|604|6
Springfield|IL|627|11
Peoria|IL|616|11
Skokie|IL|600|7
Des Plaines|IL|600|6
Phoenix|AZ|850|160
Tucson|AZ|857|54
Mesa|AZ|852|50
Chandler|AZ|852|27
Glendale|AZ|853|25
Scottsdale|AZ|852|24
Gilbert|AZ|852|26
Tempe|AZ|852|18
Peoria|AZ|853|19
Yuma|AZ|853|10
Nogales|AZ|856|2
Avondale|AZ|853|9
San Luis|AZ|853|4
Flagstaff|AZ|860|8
Newark|NJ|071|31
Jersey City|NJ|073|29
Paterson|NJ|075|16
Elizabeth|NJ|072|14
Trenton|NJ|086|9
Camden|NJ|081|7
Union City|NJ|070|7
Passaic|NJ|070|7
Perth Amboy|NJ|088|6
New Brunswick|NJ|089|6
Plainfield|NJ|070|5
West New York|NJ|070|5
Clifton|NJ|070|9
Vineland|NJ|083|6
Hoboken|NJ|070|6
Atlanta|GA|303|50
Columbus|GA|319|21
Augusta|GA|309|20
Savannah|GA|314|15
Athens|GA|306|13
Macon|GA|312|16
Marietta|GA|300|6
Dalton|GA|307|3
Gainesville|GA|305|4
Norcross|GA|300|2
Lawrenceville|GA|300|3
Duluth|GA|300|3
Charlotte|NC|282|88
Raleigh|NC|276|47
Greensboro|NC|274|30
Durham|NC|277|29
Winston-Salem|NC|271|25
Fayetteville|NC|283|21
Cary|NC|275|18
Wilmington|NC|284|12
High Point|NC|272|11
Asheville|NC|288|9
Seattle|WA|981|74
Spokane|WA|992|23
Tacoma|WA|984|22
Vancouver|WA|986|19
Bellevue|WA|980|15
Kent|WA|980|14
Everett|WA|982|11
Yakima|WA|989|10
Renton|WA|980|10
Pasco|WA|993|8
Wenatchee|WA|988|4
Las Vegas|NV|891|65
North Las Vegas|NV|890|27
Henderson|NV|890|32
Reno|NV|895|27
Sparks|NV|894|11
Denver|CO|802|71
Colorado Springs|CO|809|48
Aurora|CO|800|39
Fort Collins|CO|805|17
Lakewood|CO|802|16
Thornton|CO|802|14
Pueblo|CO|810|11
Greeley|CO|806|11
Commerce City|CO|800|6
Philadelphia|PA|191|158
Pittsburgh|PA|152|30
Allentown|PA|181|12
Reading|PA|196|9
Lancaster|PA|176|6
Boston|MA|021|67
Worcester|MA|016|20
Springfield|MA|011|15
Lawrence|MA|018|9
Lowell|MA|018|11
Chelsea|MA|021|4
Columbus|OH|432|90
Cleveland|OH|441|37
Cincinnati|OH|452|31
Toledo|OH|436|27
Detroit|MI|482|63
Grand Rapids|MI|495|20
Dearborn|MI|481|11
Virginia Beach|VA|234|46
Norfolk|VA|235|24
Richmond|VA|232|23
Arlington|VA|222|24
Alexandria|VA|223|16
Manassas|VA|201|4
Baltimore|MD|212|58
Silver Spring|MD|209|8
Gaithersburg|MD|208|7
Hyattsville|MD|207|2
Nashville|TN|372|69
Memphis|TN|381|63
Knoxville|TN|379|19
Indianapolis|IN|462|88
Fort Wayne|IN|468|26
Kansas City|MO|641|51
St. Louis|MO|631|30
Milwaukee|WI|532|58
Madison|WI|537|27
Minneapolis|MN|554|43
St. Paul|MN|551|31
Portland|OR|972|65
Salem|OR|973|17
Hillsboro|OR|971|11
Salt Lake City|UT|841|20
West Valley City|UT|841|14
Provo|UT|846|12
Albuquerque|NM|871|56
Las Cruces|NM|880|11
Santa Fe|NM|875|9
Oklahoma City|OK|731|68
Tulsa|OK|741|41
Wichita|KS|672|40
Kansas City|KS|661|16
Dodge City|KS|678|3
Garden City|KS|678|3
Omaha|NE|681|49
Lincoln|NE|685|29
Des Moines|IA|503|21
New Orleans|LA|701|38
Baton Rouge|LA|708|22
Louisville|KY|402|63
Lexington|KY|405|32
Birmingham|AL|352|20
Huntsville|AL|358|21
Columbia|SC|292|14
Charleston|SC|294|15
Little Rock|AR|722|20
Springdale|AR|727|9
Hartford|CT|061|12
Bridgeport|CT|066|15
Stamford|CT|069|13
New Haven|CT|065|13
Boise|ID|837|24
Nampa|ID|836|10
Honolulu|HI|968|35
Washington|DC|200|69
Providence|RI|029|19";

/// Real 3-digit ZIP prefixes by state (USPS), `STATE|lo-hi,lo-hi`.
/// Used by tests and by the "wrong state for the ZIP" defect.
pub(crate) const STATE_ZIP3: &str = "\
AL|350-369
AK|995-999
AZ|850-865
AR|716-729
CA|900-961
CO|800-816
CT|060-069
DE|197-199
DC|200-205,569-569
FL|320-349
GA|300-319,398-399
HI|967-968
ID|832-838
IL|600-629
IN|460-479
IA|500-528
KS|660-679
KY|400-427
LA|700-714
ME|039-049
MD|206-219
MA|010-027,055-055
MI|480-499
MN|550-567
MS|386-397
MO|630-658
MT|590-599
NE|680-693
NV|889-898
NH|030-038
NJ|070-089
NM|870-884
NY|005-005,100-149
NC|270-289
ND|580-588
OH|430-459
OK|730-732,734-749
OR|970-979
PA|150-196
RI|028-029
SC|290-299
SD|570-577
TN|370-385
TX|733-733,750-799,885-885
UT|840-847
VT|050-054,056-059
VA|201-201,220-246
WA|980-994
WV|247-268
WI|530-549
WY|820-831";

/// Hispanic surnames in rough frequency order, as commonly written with accents.
const SURNAMES_HISPANIC: &str = "García|Rodríguez|Martínez|Hernández|López|González|Pérez|Sánchez|Ramírez|Torres|Flores|Rivera|Gómez|Díaz|Reyes|Morales|Cruz|Ortiz|Gutiérrez|Chávez|Ramos|Ruiz|Álvarez|Mendoza|Vásquez|Castillo|Jiménez|Moreno|Romero|Herrera|Medina|Aguilar|Vargas|Guzmán|Méndez|Castro|Muñoz|Salazar|Garza|Soto|Vázquez|Alvarado|Delgado|Peña|Contreras|Sandoval|Guerrero|Ríos|Estrada|Ortega|Núñez|Maldonado|Domínguez|Vega|Espinoza|Rojas|Márquez|Padilla|Mejía|Juárez|Figueroa|Ávila|Molina|Campos|Ayala|Carrillo|Cabrera|Lara|Robles|Cervantes|Solís|Salinas|Fuentes|Ibarra|Acosta|de la Cruz|del Río|de los Santos|de León|Villarreal|Trujillo|Valdez|Montoya|Barrera|Zamora|Pacheco|Ochoa|Quintero|Benítez|Zúñiga|Rosales|Arellano|Velázquez|Cárdenas|Orozco|Galván|Villanueva|Bermúdez|Olivares|Santiago|Navarro|Escobar|Cortez";
const SURNAMES_ANGLO: &str = "Smith|Johnson|Williams|Brown|Jones|Miller|Davis|Wilson|Anderson|Taylor|Thomas|Moore|Jackson|Martin|Thompson|White|Harris|Clark|Lewis|Robinson|Walker|Young|Allen|King|Wright|Scott|Hill|Green|Adams|Baker|Nelson|Carter|Mitchell|Roberts|Turner|Phillips|Campbell|Parker|Evans|Edwards|Collins|Stewart|Morris|Murphy|Cook|Rogers|Morgan|Cooper|Peterson|Bailey|Reed|Kelly|Howard|Cox|Ward|Richardson|Watson|Brooks|Wood|James|Bennett|Gray|Hughes|Price|Sanders|Myers|Long|Ross|Foster|Powell|Jenkins|Perry|Russell|Sullivan|Bell|Coleman|Butler|Henderson|Barnes|Fisher|Washington|Simmons|Graham|Hamilton|O'Brien|O'Connor|O'Neil|McDonald|McCarthy|MacArthur|Schmidt|Schneider|Müller|Kowalski|Nowak|Rossi|Russo|Haddad|Khalil|Mohammed|Okafor|Adeyemi|Mensah|St. John|Van Buren|LeBlanc|D'Angelo";
const SURNAMES_CHINESE: &str = "Chen|Wang|Li|Zhang|Liu|Huang|Wong|Lin|Lam|Wu|Yang|Zhou|Lee|Chan|Ng|Cheung|Zhao|Xu|Sun|Ma|Zhu|Hu|Guo|He|Lau|Chow|Tang|Leung|Yu|Fong";
const SURNAMES_VIETNAMESE: &str =
    "Nguyễn|Trần|Lê|Phạm|Huỳnh|Hoàng|Võ|Phan|Vũ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Trương|Đinh|Lâm|Mai";
const SURNAMES_KOREAN: &str =
    "Kim|Lee|Park|Choi|Jung|Kang|Cho|Yoon|Jang|Lim|Han|Oh|Seo|Shin|Kwon|Hwang|Ahn|Song|Yoo|Hong";
const SURNAMES_FILIPINO: &str = "Santos|Reyes|Cruz|Bautista|Ocampo|Garcia|Mendoza|Torres|Tomas|Andrada|Castillo|Flores|Villanueva|Ramos|Castro|Rivera|Aquino|Navarro|Salazar|Mercado|dela Cruz|de Guzman|Manalo|Dizon|Pascual";
const SURNAMES_INDIAN: &str = "Patel|Shah|Singh|Kumar|Sharma|Gupta|Reddy|Rao|Desai|Mehta|Joshi|Iyer|Nair|Chaudhary|Agarwal|Malhotra|Kapoor|Pillai|Menon|Bhatt";

const GIVEN_HISPANIC_M: &str = "José|Juan|Luis|Carlos|Jesús|Francisco|Miguel|Antonio|Alejandro|Jorge|Pedro|Manuel|Ricardo|Roberto|Fernando|Javier|Eduardo|Rafael|Sergio|Raúl|Ramón|Guillermo|Andrés|Héctor|Óscar|Víctor|Arturo|Enrique|Armando|Alfredo|Rubén|Julio|Salvador|Joaquín|Ignacio|Ángel|Diego|Mario|Gerardo|Everardo|Efraín|Rogelio|Refugio|Santiago|Emiliano|Mateo|Nicolás|Tomás|Esteban|Gustavo|Humberto|Leonel|Marco|Osvaldo|Pablo|Silvio|Wilfredo|Yahir";
const GIVEN_HISPANIC_M2: &str = "Luis|Antonio|Manuel|Carlos|Ángel|Alberto|Alfonso|de Jesús|Eduardo|Javier|Pablo|Daniel|Armando|Ramón";
const GIVEN_HISPANIC_F: &str = "María|Guadalupe|Rosa|Ana|Carmen|Juana|Margarita|Verónica|Leticia|Alejandra|Patricia|Gabriela|Adriana|Claudia|Yolanda|Silvia|Araceli|Sofía|Lucía|Mariana|Daniela|Ximena|Isabel|Teresa|Beatriz|Esperanza|Dolores|Socorro|Josefina|Martha|Blanca|Norma|Irma|Alma|Elena|Raquel|Angélica|Lorena|Mónica|Yesenia|Maricela|Rocío|Concepción|Rosario|Consuelo|Itzel|Fernanda|Valeria|Jazmín|Nayeli";
const GIVEN_HISPANIC_F2: &str = "Guadalupe|Elena|del Carmen|de Jesús|Isabel|Luisa|Teresa|de los Ángeles|Fernanda|José|Cristina|Antonia";
const GIVEN_ANGLO_M: &str = "James|John|Robert|Michael|William|David|Richard|Joseph|Thomas|Charles|Christopher|Daniel|Matthew|Anthony|Mark|Steven|Paul|Andrew|Joshua|Kevin|Brian|George|Timothy|Ronald|Jason|Edward|Jeffrey|Ryan|Jacob|Gary|Nicholas|Eric|Jonathan|Stephen|Larry|Justin|Scott|Brandon|Benjamin|Samuel|Gregory|Alexander|Patrick|Frank|Raymond|Jack|Dennis|Jerry|Tyler|Aaron|DeShawn|Jamal|Tyrone|Darnell|Terrence|Malik|Andre|Mohamed|Chinedu|Kwame|Ahmed|Omar|Piotr|Giovanni";
const GIVEN_ANGLO_F: &str = "Mary|Patricia|Jennifer|Linda|Elizabeth|Barbara|Susan|Jessica|Sarah|Karen|Lisa|Nancy|Betty|Margaret|Sandra|Ashley|Kimberly|Emily|Donna|Michelle|Carol|Amanda|Dorothy|Melissa|Deborah|Stephanie|Rebecca|Sharon|Laura|Cynthia|Kathleen|Amy|Angela|Shirley|Brenda|Pamela|Nicole|Helen|Samantha|Katherine|Christine|Rachel|Janet|Catherine|Heather|Diane|Julie|Olivia|Joyce|Victoria|Kelly|Lauren|Megan|Andrea|Cheryl|Hannah|Jacqueline|Gloria|Abigail|Alice|Judy|Sophia|Grace|Denise|Amber|Danielle|Beverly|Natalie|Brittany|Charlotte|LaToya|Keisha|Shanice|Aaliyah|Fatima|Ngozi|Agnieszka|Chiara";
const GIVEN_CHINESE_M: &str = "Wei|Jun|Hao|Jian|Ming|Lei|Qiang|Tao|Yong|Bo|Kai|Xiaoming|Zhiwei|Jianguo|Kevin|Eric|Jason|Michael";
const GIVEN_CHINESE_F: &str =
    "Jing|Mei|Hui|Ling|Yan|Xiu|Li|Fang|Yun|Xiaoling|Meiling|Jennifer|Amy|Grace|Helen";
const GIVEN_VIETNAMESE_M: &str =
    "Minh|Tuấn|Hùng|Dũng|Long|Nam|Phong|Quang|Thanh|Hải|Khang|Bảo|Huy|Đức|Vinh";
const GIVEN_VIETNAMESE_F: &str =
    "Lan|Hương|Mai|Linh|Thảo|Ngọc|Trang|Hạnh|Phương|Thủy|Hoa|Vy|Anh|Nhung|Tuyết";
const GIVEN_KOREAN_M: &str = "Ji-Hoon|Min-Jun|Hyun-Woo|Sung-Min|Jae-Hyun|Dong-Hyun|Young-Ho|Sang-Woo|Jin-Ho|Tae-Yang|Seung-Hoon|Kyung-Soo";
const GIVEN_KOREAN_F: &str =
    "Seo-Yeon|Ji-Woo|Eun-Ji|Soo-Jin|Min-Ji|Hye-Jin|Yu-Na|Ji-Eun|Mi-Young|Soo-Ah|Ha-Eun|Yeon-Hee";
const GIVEN_FILIPINO_M: &str = "Jose|Mark Anthony|Jerome|Rodel|Ariel|Romeo|Jun|Rommel|Reynaldo|Dante|Edgardo|Noel|Jericho|John Paul";
const GIVEN_FILIPINO_F: &str = "Maria Cristina|Rowena|Marites|Lorna|Jocelyn|Cherry|Rosalie|Maricel|Analyn|Grace|Liezl|Precious|Kristine|Maria Luisa";
const GIVEN_INDIAN_M: &str =
    "Raj|Amit|Vikram|Rahul|Deepak|Sanjay|Arjun|Rohit|Anil|Suresh|Ravi|Karan|Vijay|Manoj|Pradeep";
const GIVEN_INDIAN_F: &str =
    "Priya|Sunita|Anjali|Neha|Pooja|Kavita|Deepa|Asha|Lakshmi|Meera|Divya|Shreya|Rekha|Anita|Swati";

const MIDDLE_M: &str =
    "Lee|James|Michael|Allen|Ray|Edward|Joseph|Wayne|Dean|Alan|Scott|Thomas|Lynn|Paul|David";
const MIDDLE_F: &str =
    "Marie|Ann|Lynn|Louise|Elizabeth|Jean|Rose|Grace|Nicole|Lee|Renee|Michelle|Kay|Sue|Dawn";

/// Street names: `name|s` takes a USPS suffix, `name|-` is written without one.
const STREETS: &str = "\
Main|s
1st|s
2nd|s
3rd|s
4th|s
5th|s
6th|s
7th|s
8th|s
9th|s
10th|s
11th|s
12th|s
14th|s
16th|s
23rd|s
42nd|s
Washington|s
Lincoln|s
Jefferson|s
Madison|s
Monroe|s
Jackson|s
Adams|s
Grant|s
Roosevelt|s
Kennedy|s
Oak|s
Maple|s
Pine|s
Cedar|s
Elm|s
Walnut|s
Willow|s
Birch|s
Magnolia|s
Sycamore|s
Palm|s
Cypress|s
Park|s
Lake|s
Hill|s
Sunset|s
Highland|s
Church|s
Mill|s
Spring|s
River|s
Center|s
Market|s
Mission|s
Alameda|s
Santa Fe|s
Rio Grande|s
Pecan|s
Mesquite|s
Bluebonnet|s
Peachtree|s
Dogwood|s
Colonial|s
Valley View|s
Lakeview|s
Ridge|s
Meadow|s
Forest|s
Orchard|s
Franklin|s
Hamilton|s
Martin Luther King Jr|s
Cesar Chavez|s
Dr Martin Luther King Jr|s
Mulberry|s
Chestnut|s
Hickory|s
Laurel|s
Juniper|s
Primrose|s
Canyon|s
Vista|s
Mountain View|s
Ocean|s
Bay|s
Harbor|s
Garfield|s
Cleveland|s
Pershing|s
Bristol|s
Greenwood|s
Fairview|s
Prospect|s
Union|s
Commerce|s
Industrial|s
Broadway|-
Avenida Alvarado|-
Calle Real|-
Camino del Sol|-
Calle Ocho|-
Via Verde|-
El Camino Real|-
Paseo de las Flores|-
Avenida de la Estrella|-
Camino Alto|-
Calle del Norte|-";

/// USPS street suffixes (Publication 28, Appendix C1): `FULL|ABBR|weight`.
const SUFFIXES: &str = "\
Street|St|30
Avenue|Ave|18
Drive|Dr|12
Road|Rd|9
Boulevard|Blvd|6
Lane|Ln|6
Court|Ct|5
Place|Pl|4
Way|Way|4
Circle|Cir|3
Parkway|Pkwy|2
Terrace|Ter|2
Trail|Trl|2
Highway|Hwy|1
Loop|Loop|1
Square|Sq|1";

/// Nickname equivalence classes: the first name is the formal one.
const NICKNAMES: &str = "\
WILLIAM|BILL|WILL|BILLY
ROBERT|BOB|ROB|BOBBY
RICHARD|RICK|DICK|RICH
JAMES|JIM|JIMMY
MICHAEL|MIKE
THOMAS|TOM|TOMMY
JOSEPH|JOE|JOEY
CHARLES|CHUCK|CHARLIE
CHRISTOPHER|CHRIS
DANIEL|DAN|DANNY
MATTHEW|MATT
ANTHONY|TONY
STEVEN|STEVE
ANDREW|ANDY|DREW
JONATHAN|JON
NICHOLAS|NICK
EDWARD|ED|EDDIE|TED
BENJAMIN|BEN
SAMUEL|SAM
TIMOTHY|TIM
GREGORY|GREG
ALEXANDER|ALEX
PATRICK|PAT
RONALD|RON
DONALD|DON
JEFFREY|JEFF
LAWRENCE|LARRY
ELIZABETH|LIZ|BETH|BETTY
MARGARET|PEGGY|MAGGIE
KATHERINE|KATHY|KATE
CATHERINE|CATHY
PATRICIA|PATTY|TRISH
JENNIFER|JEN|JENNY
REBECCA|BECKY
DEBORAH|DEBBIE
SAMANTHA|SAM
VICTORIA|VICKY
KIMBERLY|KIM
PAMELA|PAM
CHRISTINE|CHRIS
FRANCISCO|PACO|PANCHO
JOSE|PEPE
GUADALUPE|LUPE
JESUS|CHUY
ENRIQUE|KIKE
IGNACIO|NACHO
ALEJANDRO|ALEX
ROBERTO|BETO
EDUARDO|LALO
GUILLERMO|MEMO
CONCEPCION|CONCHA|CONCHITA
DOLORES|LOLA
ROSARIO|CHAYO
REFUGIO|CUCO
ANTONIO|TONO|TONY
SALVADOR|CHAVA
RAMON|MONCHO
MANUEL|MANNY|MANOLO
RAFAEL|RAFA
JOSEFINA|JOSIE|FINA
SOCORRO|COCO
MARGARITA|MAGO";

/// Detention facilities and jails: non-addresses when given without a street.
pub(crate) const FACILITIES: &[&str] = &[
    "Adelanto ICE Processing Center",
    "Otay Mesa Detention Center",
    "Krome Service Processing Center",
    "Cook County Jail",
    "Harris County Jail",
    "Stewart Detention Center",
    "Port Isabel Detention Center",
    "Northwest ICE Processing Center",
    "Men's Central Jail",
    "Rikers Island",
    "Maricopa County Jail",
    "Broward Transitional Center",
];

/// One name in every written form a filer may use.
#[derive(Debug)]
pub(crate) struct NameForms {
    /// As commonly written, with accents (`García`, `de la Cruz`, `Ji-Hoon`).
    pub(crate) title: String,
    /// Without accents (`Garcia`).
    pub(crate) title_ascii: String,
    /// Upper case with accents (`GARCÍA`).
    pub(crate) upper: String,
    /// Upper case without accents (`GARCIA`).
    pub(crate) upper_ascii: String,
}

/// A weighted list of names with a cumulative table for sampling.
#[derive(Debug)]
pub(crate) struct NameList {
    pub(crate) names: Vec<NameForms>,
    pub(crate) cumulative: Vec<u32>,
}

/// One city with its real ZIP prefixes.
#[derive(Debug)]
pub(crate) struct City {
    pub(crate) name: &'static str,
    pub(crate) upper: String,
    pub(crate) state: &'static str,
    pub(crate) zip3: Vec<u16>,
}

/// One street name.
#[derive(Debug)]
pub(crate) struct Street {
    pub(crate) name: &'static str,
    pub(crate) upper: String,
    pub(crate) takes_suffix: bool,
}

/// One USPS suffix.
#[derive(Debug)]
pub(crate) struct Suffix {
    pub(crate) full: &'static str,
    pub(crate) abbr: &'static str,
    pub(crate) full_upper: String,
    pub(crate) abbr_upper: String,
}

/// Population origin, which picks the name tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Hispanic,
    Anglo,
    Chinese,
    Vietnamese,
    Korean,
    Filipino,
    Indian,
}

/// All name lists of one origin.
#[derive(Debug)]
pub(crate) struct OriginNames {
    pub(crate) surnames: NameList,
    pub(crate) given_m: NameList,
    pub(crate) given_f: NameList,
    /// Second given names (Hispanic compound names); empty otherwise.
    pub(crate) given2_m: NameList,
    pub(crate) given2_f: NameList,
}

/// Every table, parsed once.
#[derive(Debug)]
pub(crate) struct Tables {
    pub(crate) cities: Vec<City>,
    pub(crate) city_cumulative: Vec<u32>,
    pub(crate) streets: Vec<Street>,
    pub(crate) suffixes: Vec<Suffix>,
    pub(crate) suffix_cumulative: Vec<u32>,
    pub(crate) origins: Vec<OriginNames>,
    pub(crate) middles_m: NameList,
    pub(crate) middles_f: NameList,
    /// Nickname classes: formal name first, upper-case ASCII.
    pub(crate) nick_classes: Vec<Vec<&'static str>>,
    /// State code to inclusive ZIP3 ranges.
    pub(crate) state_zip3: Vec<(&'static str, Vec<(u16, u16)>)>,
}

impl Tables {
    /// The names of one origin.
    pub(crate) fn origin(&self, origin: Origin) -> &OriginNames {
        &self.origins[origin as usize]
    }

    /// Whether a ZIP3 prefix belongs to a state.
    pub(crate) fn zip3_in_state(&self, state: &str, zip3: u16) -> bool {
        self.state_zip3
            .iter()
            .find(|(s, _)| *s == state)
            .is_some_and(|(_, ranges)| ranges.iter().any(|&(lo, hi)| lo <= zip3 && zip3 <= hi))
    }

    /// The middle names of one sex.
    pub(crate) fn middles(&self, female: bool) -> &NameList {
        if female {
            &self.middles_f
        } else {
            &self.middles_m
        }
    }

    /// Whether two upper-case ASCII given names share a nickname class.
    pub(crate) fn nick_related(&self, a: &str, b: &str) -> bool {
        self.nick_classes
            .iter()
            .any(|c| c.contains(&a) && c.contains(&b))
    }

    /// The nicknames of a formal upper-case ASCII given name.
    pub(crate) fn nicknames_of(&self, formal: &str) -> &[&'static str] {
        self.nick_classes
            .iter()
            .find(|c| c[0] == formal)
            .map_or(&[][..], |c| &c[1..])
    }
}

/// The parsed tables (built on first use).
pub(crate) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build)
}

fn build() -> Tables {
    let nick_classes: Vec<Vec<&'static str>> =
        NICKNAMES.lines().map(|l| l.split('|').collect()).collect();
    let list = name_list;
    let origins = vec![
        names(
            with_tail(
                list(SURNAMES_HISPANIC, 0.9),
                0.9,
                HISPANIC_ROOTS,
                HISPANIC_ENDINGS,
            ),
            list(GIVEN_HISPANIC_M, 1.0),
            list(GIVEN_HISPANIC_F, 1.0),
        )
        .with_second(list(GIVEN_HISPANIC_M2, 0.8), list(GIVEN_HISPANIC_F2, 0.8)),
        names(
            with_tail(list(SURNAMES_ANGLO, 0.9), 0.9, ANGLO_ROOTS, ANGLO_ENDINGS),
            list(GIVEN_ANGLO_M, 0.8),
            list(GIVEN_ANGLO_F, 0.8),
        ),
        names(
            list(SURNAMES_CHINESE, 0.9),
            list(GIVEN_CHINESE_M, 0.6),
            list(GIVEN_CHINESE_F, 0.6),
        ),
        names(
            list(SURNAMES_VIETNAMESE, 1.1),
            list(GIVEN_VIETNAMESE_M, 0.6),
            list(GIVEN_VIETNAMESE_F, 0.6),
        ),
        names(
            list(SURNAMES_KOREAN, 1.0),
            list(GIVEN_KOREAN_M, 0.5),
            list(GIVEN_KOREAN_F, 0.5),
        ),
        names(
            list(SURNAMES_FILIPINO, 0.8),
            list(GIVEN_FILIPINO_M, 0.6),
            list(GIVEN_FILIPINO_F, 0.6),
        ),
        names(
            with_tail(
                list(SURNAMES_INDIAN, 0.9),
                0.9,
                INDIAN_ROOTS,
                INDIAN_ENDINGS,
            ),
            list(GIVEN_INDIAN_M, 0.6),
            list(GIVEN_INDIAN_F, 0.6),
        ),
    ];
    let (cities, city_cumulative) = parse_cities();
    let (suffixes, suffix_cumulative) = parse_suffixes();
    Tables {
        cities,
        city_cumulative,
        streets: parse_streets(),
        suffixes,
        suffix_cumulative,
        origins,
        middles_m: list(MIDDLE_M, 0.7),
        middles_f: list(MIDDLE_F, 0.7),
        nick_classes,
        state_zip3: parse_state_zip3(),
    }
}

fn names(surnames: NameList, given_m: NameList, given_f: NameList) -> OriginNames {
    OriginNames {
        surnames,
        given_m,
        given_f,
        given2_m: empty_list(),
        given2_f: empty_list(),
    }
}

impl OriginNames {
    fn with_second(mut self, m: NameList, f: NameList) -> Self {
        self.given2_m = m;
        self.given2_f = f;
        self
    }
}

fn empty_list() -> NameList {
    NameList {
        names: Vec::new(),
        cumulative: Vec::new(),
    }
}

/// Roots and endings of the long tail of surnames: the tables above hold
/// the most common ones, but the most common hundred surnames are about a
/// sixth of the US population, and a population drawn from them alone has
/// each name tens of times too often (synth's 100k-subject batches asked
/// about JAMES SMITH 489 times; the country would 12), which the probing
/// guard must treat as one person asked at many addresses. Composed
/// surnames (`Ashford`, `Calderado`, `Venkataraman`) continue each
/// list's Zipf curve past its last rank.
const ANGLO_ROOTS: &[&str] = &[
    "Ash", "Brad", "Brook", "Cald", "Crane", "Dal", "Dun", "Ell", "Fair", "Farn", "Gold", "Hart",
    "Holl", "Kings", "Lang", "Lock", "Mar", "Mid", "Nor", "Pem", "Rad", "Red", "Ring", "Stan",
    "Thorn", "Wal", "Whit", "Wins", "Brom", "Carl", "Har", "Hay", "Kirk", "Stock", "Well", "Ather",
];
const ANGLO_ENDINGS: &[&str] = &[
    "ford", "ton", "wood", "ley", "field", "worth", "by", "ham", "dale", "more", "well", "burn",
    "stead", "wick", "lock", "bridge", "cott", "shaw", "land", "bury",
];
const HISPANIC_ROOTS: &[&str] = &[
    "Alba", "Barr", "Bel", "Cal", "Carr", "Cerv", "Echev", "Esc", "Gal", "Iba", "Lan", "Mar",
    "Oliv", "Pal", "Quir", "Sal", "Tor", "Urr", "Val", "Zar", "Arr", "Bust", "Cam", "Lem", "Riv",
    "Sep", "Var", "Vill",
];
const HISPANIC_ENDINGS: &[&str] = &[
    "ado", "era", "ido", "eno", "ero", "ano", "ona", "illa", "uela", "ente", "ares", "eda", "ijo",
    "ales", "ón", "uz",
];
const INDIAN_ROOTS: &[&str] = &[
    "Bala", "Chandra", "Deva", "Gopal", "Hari", "Krishna", "Mahe", "Nara", "Pra", "Raghu", "Sri",
    "Venkata",
];
const INDIAN_ENDINGS: &[&str] = &[
    "swamy", "murthy", "nathan", "raman", "krishnan", "sekar", "varma", "dasan",
];

/// `list` continued by every root+ending not already in it, ranked after
/// its last name in a fixed shuffled order, each weighted as its rank on
/// the same Zipf curve.
fn with_tail(mut list: NameList, exponent: f64, roots: &[&str], endings: &[&str]) -> NameList {
    let known: std::collections::HashSet<String> =
        list.names.iter().map(|n| n.upper_ascii.clone()).collect();
    let mut composed: Vec<String> = roots
        .iter()
        .flat_map(|r| endings.iter().map(move |e| format!("{r}{e}")))
        .filter(|n| !known.contains(&deunicode::deunicode(n).to_uppercase()))
        .collect();
    // A fixed interleaving (roots would otherwise rank alphabetically).
    composed.sort_by_key(|n| {
        n.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
    });
    let mut total = list.cumulative.last().copied().unwrap_or(0);
    for title in composed {
        let rank = list.names.len();
        total += (1_000_000.0 / ((rank + 1) as f64).powf(exponent)) as u32 + 1;
        list.cumulative.push(total);
        let title_ascii = deunicode::deunicode(&title);
        list.names.push(NameForms {
            upper: title.to_uppercase(),
            upper_ascii: title_ascii.to_uppercase(),
            title_ascii,
            title,
        });
    }
    list
}

/// Parses `a|b|c` into a Zipf-weighted list (weight of rank r ~ 1 / r^exponent).
fn name_list(s: &'static str, exponent: f64) -> NameList {
    let mut names = Vec::new();
    let mut cumulative = Vec::new();
    let mut total = 0u32;
    for (rank, title) in s.split('|').enumerate() {
        let title_ascii = deunicode::deunicode(title);
        let upper_ascii = title_ascii.to_uppercase();
        total += (1_000_000.0 / ((rank + 1) as f64).powf(exponent)) as u32 + 1;
        cumulative.push(total);
        names.push(NameForms {
            title: title.to_string(),
            upper: title.to_uppercase(),
            title_ascii,
            upper_ascii,
        });
    }
    NameList { names, cumulative }
}

fn parse_cities() -> (Vec<City>, Vec<u32>) {
    let mut cities = Vec::new();
    let mut cumulative = Vec::new();
    let mut total = 0u32;
    for line in CITIES.lines() {
        let mut parts = line.split('|');
        let (Some(name), Some(state), Some(zips), Some(weight)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            panic!("malformed city table line: {line}");
        };
        let weight: u32 = weight
            .parse()
            .unwrap_or_else(|_| panic!("bad weight: {line}"));
        total += weight;
        cumulative.push(total);
        cities.push(City {
            name,
            upper: name.to_uppercase(),
            state,
            zip3: zips
                .split(',')
                .map(|z| z.parse().unwrap_or_else(|_| panic!("bad zip3: {line}")))
                .collect(),
        });
    }
    (cities, cumulative)
}

fn parse_streets() -> Vec<Street> {
    STREETS
        .lines()
        .map(|line| {
            let (name, flag) = line.split_once('|').unwrap_or((line, "s"));
            Street {
                name,
                upper: name.to_uppercase(),
                takes_suffix: flag == "s",
            }
        })
        .collect()
}

fn parse_suffixes() -> (Vec<Suffix>, Vec<u32>) {
    let mut suffixes = Vec::new();
    let mut cumulative = Vec::new();
    let mut total = 0u32;
    for line in SUFFIXES.lines() {
        let parts: Vec<&'static str> = line.split('|').collect();
        assert_eq!(parts.len(), 3, "malformed suffix line: {line}");
        total += parts[2].parse::<u32>().unwrap_or(1);
        cumulative.push(total);
        suffixes.push(Suffix {
            full: parts[0],
            abbr: parts[1],
            full_upper: parts[0].to_uppercase(),
            abbr_upper: parts[1].to_uppercase(),
        });
    }
    (suffixes, cumulative)
}

fn parse_state_zip3() -> Vec<(&'static str, Vec<(u16, u16)>)> {
    STATE_ZIP3
        .lines()
        .map(|line| {
            let (state, ranges) = line.split_once('|').unwrap_or((line, ""));
            let ranges = ranges
                .split(',')
                .filter_map(|r| {
                    let (lo, hi) = r.split_once('-')?;
                    Some((lo.parse().ok()?, hi.parse().ok()?))
                })
                .collect();
            (state, ranges)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_city_zip3_belongs_to_its_state() {
        let t = tables();
        assert!(t.cities.len() >= 150, "only {} cities", t.cities.len());
        for c in &t.cities {
            for &z in &c.zip3 {
                assert!(t.zip3_in_state(c.state, z), "{} {} {z:03}", c.name, c.state);
            }
        }
    }

    #[test]
    fn name_tables_have_no_placeholders_or_single_letters() {
        let t = tables();
        for o in &t.origins {
            for list in [
                &o.surnames,
                &o.given_m,
                &o.given_f,
                &o.given2_m,
                &o.given2_f,
            ] {
                for n in &list.names {
                    assert!(n.upper_ascii.len() > 1, "{}", n.title);
                    assert!(!["NA", "FNU", "LNU", "UNKNOWN", "XXX", "TEST"]
                        .contains(&n.upper_ascii.as_str()));
                    assert!(!n.title.contains(','), "{}", n.title);
                }
            }
        }
    }

    #[test]
    fn nickname_classes_are_found() {
        let t = tables();
        assert!(t.nick_related("GUADALUPE", "LUPE"));
        assert!(!t.nick_related("GUADALUPE", "JOSE"));
        assert_eq!(t.nicknames_of("JESUS"), &["CHUY"]);
    }
}
