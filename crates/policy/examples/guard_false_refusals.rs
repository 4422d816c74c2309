//! The probing guard's false refusals and cost on a lawful batch.
//!
//! `cargo run --release -p vouch-policy --example guard_false_refusals -- [SUBJECTS] [SEED]`
//!
//! Generates SUBJECTS (default 1,000,000) distinct people with common names
//! (Zipf-weighted lists of given names and surnames written here, not
//! `vouch synth`'s tables; half the Hispanic names carry a second surname),
//! each with a date of birth drawn from 1945–2006, no two with the same
//! name and date of birth, each at an address of their own. The batch is
//! lawful: every refusal the guard makes is a false refusal. It is checked
//! twice: as one request (DUPLICATE_SUBJECT), and split in two requests of
//! one agency received a day apart (REPEAT_INQUIRY, ADDRESS_PROBING,
//! A_NUMBER_CONFLICT on the second half). Prints the refusals by code, the
//! ones the matcher could not tell apart either (same first given name,
//! paternal surname and date of birth: the matcher would call them one
//! taxpayer), and the time the keys and the guard take. Then the
//! decision's side: each subject of the second half taken as the taxpayer
//! it names (its own name and date of birth on file), whether a
//! confirmation would be withheld because another person's ask, alike it
//! on its birthday, was made at another address (in the first request or
//! the same one).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;
use vouch_core::{ReasonCode, Subject};
use vouch_policy::probing::{guard, Keyer, ProbeContext, ProbeHistory, ProbeKeys};
use vouch_policy::PolicyConfig;

const GIVEN: &[&str] = &[
    "Jose",
    "Maria",
    "Juan",
    "Luis",
    "Carlos",
    "Jesus",
    "Antonio",
    "Miguel",
    "Francisco",
    "Jorge",
    "Ana",
    "Rosa",
    "Guadalupe",
    "Pedro",
    "Manuel",
    "Alejandro",
    "Ricardo",
    "Fernando",
    "Roberto",
    "Javier",
    "Sergio",
    "Eduardo",
    "Daniel",
    "Mario",
    "Martha",
    "Patricia",
    "Veronica",
    "Elizabeth",
    "Gabriela",
    "Alejandra",
    "Adriana",
    "Claudia",
    "Leticia",
    "Sandra",
    "Silvia",
    "Laura",
    "Carmen",
    "Teresa",
    "Josefina",
    "Juana",
    "Margarita",
    "Isabel",
    "Sofia",
    "Valentina",
    "Camila",
    "Diego",
    "Santiago",
    "Mateo",
    "Sebastian",
    "Andres",
    "Oscar",
    "Raul",
    "Hector",
    "Arturo",
    "Enrique",
    "Ramon",
    "Rafael",
    "Alberto",
    "Victor",
    "Pablo",
    "Angel",
    "Jaime",
    "Gerardo",
    "Ruben",
    "Armando",
    "Julio",
    "Cesar",
    "Hugo",
    "Ivan",
    "Omar",
    "Edgar",
    "Alfredo",
    "Salvador",
    "Ignacio",
    "Rodrigo",
    "Emilio",
    "Lucia",
    "Paula",
    "Daniela",
    "Fernanda",
    "Mariana",
    "Natalia",
    "Andrea",
    "Karla",
    "Monica",
    "Norma",
    "Alicia",
    "Gloria",
    "Irma",
    "Yolanda",
    "Blanca",
    "Beatriz",
    "Esperanza",
    "Dolores",
    "Consuelo",
    "Socorro",
    "Luz",
    "Pilar",
    "Rocio",
    "Nancy",
    "Michael",
    "James",
    "John",
    "Robert",
    "David",
    "William",
    "Mary",
    "Jennifer",
    "Linda",
    "Susan",
    "Wei",
    "Min",
    "Thanh",
    "Nguyet",
    "Mohammed",
    "Ahmed",
    "Fatima",
    "Olga",
    "Ivan",
    "Dmitri",
];

const SURNAMES: &[&str] = &[
    "Garcia",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Perez",
    "Sanchez",
    "Ramirez",
    "Torres",
    "Flores",
    "Rivera",
    "Gomez",
    "Diaz",
    "Cruz",
    "Morales",
    "Reyes",
    "Gutierrez",
    "Ortiz",
    "Ramos",
    "Chavez",
    "Vasquez",
    "Castillo",
    "Jimenez",
    "Moreno",
    "Romero",
    "Herrera",
    "Medina",
    "Aguilar",
    "Vargas",
    "Mendoza",
    "Castro",
    "Ruiz",
    "Alvarez",
    "Fernandez",
    "Mendez",
    "Guzman",
    "Munoz",
    "Salazar",
    "Garza",
    "Soto",
    "Vazquez",
    "Alvarado",
    "Delgado",
    "Pena",
    "Contreras",
    "Sandoval",
    "Guerrero",
    "Rios",
    "Estrada",
    "Ortega",
    "Nunez",
    "Maldonado",
    "Dominguez",
    "Vega",
    "Espinoza",
    "Rojas",
    "Marquez",
    "Padilla",
    "Molina",
    "Cervantes",
    "Juarez",
    "Campos",
    "Ayala",
    "Luna",
    "Cabrera",
    "Silva",
    "Fuentes",
    "Carrillo",
    "Rosales",
    "Acosta",
    "Navarro",
    "Cortez",
    "Valdez",
    "Santiago",
    "Salinas",
    "Zamora",
    "Velasquez",
    "Ibarra",
    "Trujillo",
    "Figueroa",
    "Miranda",
    "Orozco",
    "Lara",
    "Bautista",
    "Villarreal",
    "Sosa",
    "Calderon",
    "Escobar",
    "Arellano",
    "Solis",
    "Montoya",
    "Pacheco",
    "Avila",
    "Robles",
    "Ochoa",
    "Serrano",
    "Rosario",
    "Meza",
    "Velazquez",
    "Tapia",
    "Leon",
    "Franco",
    "Barrera",
    "Cardenas",
    "Villanueva",
    "Camacho",
    "Galvan",
    "Duran",
    "Andrade",
    "Beltran",
    "Mejia",
    "Valencia",
    "Pineda",
    "Zavala",
    "Lozano",
    "Cano",
    "Ponce",
    "Bonilla",
    "Rubio",
    "Osorio",
    "Carranza",
    "Quintero",
    "Del Toro",
    "De la Cruz",
    "De Leon",
    "Villa",
    "Saenz",
    "Arroyo",
    "Lucero",
    "Gallegos",
    "Vela",
    "Montes",
    "Zuniga",
    "Renteria",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Nguyen",
    "Tran",
    "Le",
    "Pham",
    "Kim",
    "Lee",
    "Park",
    "Wang",
    "Li",
    "Zhang",
    "Chen",
    "Liu",
    "Singh",
    "Patel",
    "Khan",
    "Ali",
    "Ivanov",
    "Petrov",
    "Haddad",
    "Okafor",
];

/// A Zipf-like pick: index i with weight 1/(i+1)^0.9.
fn zipf(rng: &mut ChaCha8Rng, cumulative: &[f64]) -> usize {
    let total = cumulative[cumulative.len() - 1];
    let x = rng.gen::<f64>() * total;
    cumulative
        .partition_point(|&c| c < x)
        .min(cumulative.len() - 1)
}

fn cumulative(n: usize) -> Vec<f64> {
    let mut acc = 0.0;
    (0..n)
        .map(|i| {
            acc += 1.0 / ((i + 1) as f64).powf(0.9);
            acc
        })
        .collect()
}

fn date(days: i64) -> String {
    let d = time::Date::from_julian_day(2_431_457 + days as i32).expect("a date"); // 1945-01-01
    vouch_core::timestamp::format_date(d)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (cg, cs) = (cumulative(GIVEN.len()), cumulative(SURNAMES.len()));
    let mut seen = HashSet::new();
    let mut subjects = Vec::with_capacity(n);
    let mut addresses = Vec::with_capacity(n);
    while subjects.len() < n {
        let first = GIVEN[zipf(&mut rng, &cg)];
        let paternal = SURNAMES[zipf(&mut rng, &cs)];
        let last = if rng.gen_bool(0.5) {
            format!("{paternal} {}", SURNAMES[zipf(&mut rng, &cs)])
        } else {
            paternal.to_string()
        };
        let dob = date(rng.gen_range(0..22_645));
        // Distinct dates of birth among people of one name (first given
        // name, as its nickname class, and paternal surname).
        let canonical = vouch_normalize::nickname_canonical(&first.to_uppercase()).to_string();
        if !seen.insert((canonical, paternal, dob.clone())) {
            continue;
        }
        let i = subjects.len();
        subjects.push(Subject {
            subject_ref: format!("S{i}"),
            first_name: first.into(),
            last_name: last,
            dob,
            a_number: format!("A{:09}", 100_000_000 + i),
            ..Subject::default()
        });
        addresses.push(format!("{} ADDRESS {i}", rng.gen_range(1..99_999)));
    }
    let policy = PolicyConfig::defaults();
    let keyer = Keyer::new(&[9; 32]);
    let t = Instant::now();
    let keys: Vec<Option<ProbeKeys>> = {
        use rayon::prelude::*;
        subjects
            .par_iter()
            .zip(&addresses)
            .map(|(s, a)| Some(keyer.subject_keys(s, a)))
            .collect()
    };
    let keys_s = t.elapsed().as_secs_f64();
    let ctx = |day, req: u8| ProbeContext {
        agency: [1; 16],
        request: [req; 16],
        day,
    };
    let t = Instant::now();
    let whole = guard(&keys, &ProbeHistory::default(), &ctx(2_460_000, 1), &policy);
    let guard_s = t.elapsed().as_secs_f64();
    let half = n / 2;
    let first = guard(
        &keys[..half],
        &ProbeHistory::default(),
        &ctx(2_460_000, 2),
        &policy,
    );
    let t = Instant::now();
    let history = ProbeHistory::new(&first.records, [3; 16], 2_460_001, &policy);
    let second = guard(&keys[half..], &history, &ctx(2_460_001, 3), &policy);
    let split_s = t.elapsed().as_secs_f64();

    let inherent = |i: usize, j: usize| {
        let a = vouch_normalize::standardize_name(
            &subjects[i].first_name,
            "",
            &subjects[i].last_name,
            "",
        );
        let b = vouch_normalize::standardize_name(
            &subjects[j].first_name,
            "",
            &subjects[j].last_name,
            "",
        );
        a.given.first() == b.given.first()
            && a.surnames.first() == b.surnames.first()
            && subjects[i].dob == subjects[j].dob
    };
    // Subjects sharing first given, paternal surname and DOB with another.
    let mut by_core: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
    for (i, s) in subjects.iter().enumerate() {
        let a = vouch_normalize::standardize_name(&s.first_name, "", &s.last_name, "");
        by_core
            .entry((
                a.given.first().cloned().unwrap_or_default(),
                a.surnames.first().cloned().unwrap_or_default(),
                s.dob.clone(),
            ))
            .or_default()
            .push(i);
    }
    let ambiguous: HashSet<usize> = by_core
        .values()
        .filter(|v| v.len() > 1)
        .flatten()
        .copied()
        .collect();
    let _ = inherent;
    if std::env::var_os("SHOW_PAIRS").is_some() {
        let mut by_dob: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        for (i, s) in subjects.iter().enumerate() {
            by_dob.entry(s.dob.as_str()).or_default().push(i);
        }
        let mut shown = 0;
        for (i, r) in whole.reasons.iter().enumerate() {
            if r.is_empty() || shown >= 40 {
                continue;
            }
            let ki = keys[i].as_ref().unwrap();
            for &j in &by_dob[subjects[i].dob.as_str()] {
                let kj = keys[j].as_ref().unwrap();
                if j != i
                    && vouch_policy::probing::relation(
                        ki,
                        &kj.names,
                        &kj.given,
                        &kj.surname,
                        kj.dob,
                    ) == vouch_policy::probing::Relation::Same
                {
                    println!(
                        "  {} {} ~ {} {}",
                        subjects[i].first_name,
                        subjects[i].last_name,
                        subjects[j].first_name,
                        subjects[j].last_name
                    );
                    shown += 1;
                    break;
                }
            }
        }
    }
    // The decision's side: each subject of the second half taken as the
    // taxpayer it names (its own first given name, paternal surname and
    // date of birth), would a confirmation be withheld because an ask of
    // the first half (another person, at another address) could name them?
    let t = Instant::now();
    let whole_history = ProbeHistory::new(&first.records, [3; 16], 2_460_001, &policy);
    let this_request = ProbeHistory::of_request(&second.records, [3; 16]);
    let withheld: Vec<(bool, bool)> = {
        use rayon::prelude::*;
        (half..n)
            .into_par_iter()
            .map(|i| {
                let s = &subjects[i];
                let name = vouch_normalize::standardize_name(&s.first_name, "", &s.last_name, "");
                let dob = vouch_core::timestamp::parse_date(&s.dob);
                let tk = keyer.taxpayer_keys(
                    name.given.first().map_or("", String::as_str),
                    &name.given.concat(),
                    name.surnames.first().map_or("", String::as_str),
                    name.surnames.get(1).map_or("", String::as_str),
                    dob,
                );
                let here = keyer.key("address", &addresses[i]);
                (
                    whole_history.asked_elsewhere(&tk, here, 2_460_001, 365),
                    this_request.asked_in_request_elsewhere(&tk, here, true),
                )
            })
            .collect()
    };
    let withhold_s = t.elapsed().as_secs_f64();
    let earlier = withheld.iter().filter(|w| w.0).count();
    let own = withheld.iter().filter(|w| w.1).count();
    let either = withheld.iter().filter(|w| w.0 || w.1).count();
    println!(
        "decision, second half as taxpayers on file with their date of birth: a confirmation withheld for {either} of {} ({:.4}%): {earlier} by an earlier request's ask, {own} by one of the same request ({withhold_s:.2} s)",
        n - half,
        100.0 * either as f64 / (n - half) as f64
    );
    let report = |label: &str, reasons: &[Vec<ReasonCode>], offset: usize| {
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        let mut refused = 0;
        let mut excess = 0;
        for (i, r) in reasons.iter().enumerate() {
            if r.is_empty() {
                continue;
            }
            refused += 1;
            if !ambiguous.contains(&(i + offset)) {
                excess += 1;
            }
            for c in r {
                *by_code.entry(c.as_str()).or_default() += 1;
            }
        }
        let m = reasons.len() as f64;
        println!(
            "{label}: {refused} of {} refused ({:.4}%), {excess} beyond the namesakes the matcher cannot tell apart ({:.4}%); {by_code:?}",
            reasons.len(),
            100.0 * refused as f64 / m,
            100.0 * excess as f64 / m
        );
    };
    println!(
        "{n} subjects; {} share first given name, paternal surname and date of birth with another ({:.4}%)",
        ambiguous.len(),
        100.0 * ambiguous.len() as f64 / n as f64
    );
    report("one request", &whole.reasons, 0);
    report("second of two requests", &second.reasons, half);
    println!(
        "dob_required (name asked with another date of birth): {} ({:.2}%)",
        whole.dob_required.iter().filter(|&&d| d).count(),
        100.0 * whole.dob_required.iter().filter(|&&d| d).count() as f64 / n as f64
    );
    println!(
        "cost: keys {keys_s:.2} s, guard {guard_s:.2} s (one request); history index + guard {split_s:.2} s (second half); {} threads",
        rayon::current_num_threads()
    );
}
