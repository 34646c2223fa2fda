//! `helio serve --demo` (dev mode only; the command refuses production): seeds a believable
//! marketplace around Madrid through the real services, so every rule still applies: three
//! partner companies and four crews with areas and two weeks of days, one account per role,
//! and a customer's orders in every state, each moved there the way a person would move it
//! (quote, deposit, booking and dispatch, acceptance, survey, installation, inspection,
//! balance and rating, cancellation, refund). The logins are returned once, for the
//! command to print; their passwords are random.

use std::sync::Arc;

use helio_core::account::AccountId;
use helio_core::crypto::token::SecretToken;
use helio_core::order::{OrderEvent, OrderId, OrderState};
use helio_core::partner::CrewId;
use helio_core::role::Role;
use helio_core::schedule::Day;
use helio_core::time::Clock;
use helio_store::{Store, StoreError};

use super::accounts::{AccountError, Accounts};
use super::audit_log::Actor;
use super::jobs::{Jobs, JobsError};
use super::orders::{OrderError, OrderInput, Orders};
use super::partners::{PartnerError, PartnerService};

/// One demo login, printed once.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoLogin {
    /// The role.
    pub role: Role,
    /// The email address to log in with.
    pub email: String,
    /// The random password.
    pub password: String,
}

impl std::fmt::Debug for DemoLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoLogin")
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// Why seeding stopped.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// An account could not be made.
    #[error("demo account: {0}")]
    Account(#[from] AccountError),
    /// A company or crew could not be made.
    #[error("demo partner: {0}")]
    Partner(#[from] PartnerError),
    /// A crew's calendar or job could not be set.
    #[error("demo crew: {0}")]
    Jobs(#[from] JobsError),
    /// An order could not be moved.
    #[error("demo order: {0}")]
    Order(#[from] OrderError),
    /// The store failed.
    #[error("store failure")]
    Store(#[from] StoreError),
    /// A step did not end where it should have.
    #[error("demo step went wrong: {0}")]
    Step(&'static str),
}

/// Where the seeder's requests come from, for the per-source budgets.
const DEMO_SOURCE: std::net::IpAddr = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

/// The address every demo account shares, so they are easy to recognise.
pub const DEMO_DOMAIN: &str = "demo.helio.example";

/// The services the seeder drives.
#[derive(Debug, Clone)]
pub struct Demo {
    /// Accounts.
    pub accounts: Accounts,
    /// Orders and payments.
    pub orders: Orders,
    /// Crews' calendars and job boards.
    pub jobs: Jobs,
    /// Partner companies and crews.
    pub partners: PartnerService,
    /// The store.
    pub store: Store,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

fn actor(account: AccountId, role: Role) -> Actor {
    Actor {
        account,
        role,
        network: "demo".to_owned(),
        request_id: "demo-seed".to_owned(),
    }
}

/// The crews: company, crew, its provinces (base first) and its installer.
const CREWS: [(&str, &str, &str, &str); 4] = [
    ("Sol de Madrid S.L.", "Equipo Centro", "28", "Lucía Romero"),
    (
        "Sol de Madrid S.L.",
        "Equipo Norte",
        "28, 40",
        "Diego Navarro",
    ),
    (
        "Tejados Verdes Getafe",
        "Cuadrilla Sur",
        "28, 45",
        "Marta Gil",
    ),
    (
        "EnergíaSur Toledo",
        "Equipo Toledo",
        "45, 28",
        "Pablo Ortega",
    ),
];

/// The staff: role and name.
const STAFF: [(Role, &str); 4] = [
    (Role::Support, "Sara Blanco"),
    (Role::Sales, "Hugo Serrano"),
    (Role::Engineer, "Irene Castro"),
    (Role::Admin, "Álvaro Méndez"),
];

/// The customer's orders: where, and how far each goes.
const ORDERS: [(&str, &str, &str, OrderState); 10] = [
    ("Calle de Alcalá 120", "28009", "Madrid", OrderState::Quote),
    ("Calle de Toledo 45", "28005", "Madrid", OrderState::Ordered),
    (
        "Avenida de Europa 8",
        "28224",
        "Pozuelo de Alarcón",
        OrderState::Scheduled,
    ),
    ("Calle Mayor 3", "28901", "Getafe", OrderState::Assigned),
    (
        "Calle Real 14",
        "28400",
        "Collado Villalba",
        OrderState::Surveyed,
    ),
    (
        "Calle del Sol 9",
        "28220",
        "Majadahonda",
        OrderState::Installed,
    ),
    (
        "Paseo de la Castellana 200",
        "28046",
        "Madrid",
        OrderState::Inspected,
    ),
    (
        "Calle de Serrano 60",
        "28001",
        "Madrid",
        OrderState::Completed,
    ),
    (
        "Calle de Atocha 30",
        "28012",
        "Madrid",
        OrderState::Cancelled,
    ),
    ("Calle Ancha 5", "45001", "Toledo", OrderState::Refunded),
];

fn password() -> String {
    SecretToken::generate().expose().to_owned()
}

impl Demo {
    /// Seeds the demo, or does nothing (`None`) when it was seeded before: its logins were
    /// printed then.
    pub async fn seed(&self) -> Result<Option<Vec<DemoLogin>>, DemoError> {
        let mut logins = Vec::new();
        let admin_email = format!("admin@{DEMO_DOMAIN}");
        if self.accounts.exists(&admin_email).await? {
            return Ok(None);
        }
        let mut staff = Vec::new();
        for (role, name) in STAFF {
            let login = DemoLogin {
                role,
                email: format!("{role}@{DEMO_DOMAIN}"),
                password: password(),
            };
            let id = self
                .accounts
                .create_accepted_for_demo(&login.email, name, role, None, &login.password)
                .await?;
            staff.push((role, id));
            logins.push(login);
        }
        let crews = self.crews(&mut logins).await?;
        let customer = DemoLogin {
            role: Role::Customer,
            email: format!("customer@{DEMO_DOMAIN}"),
            password: password(),
        };
        let customer_id = self
            .accounts
            .create_accepted_for_demo(
                &customer.email,
                "Carmen Ruiz",
                Role::Customer,
                None,
                &customer.password,
            )
            .await?;
        logins.push(customer);
        let support = staff
            .iter()
            .find(|(role, _)| *role == Role::Support)
            .map(|(_, id)| actor(*id, Role::Support))
            .ok_or(DemoError::Step("no support account"))?;
        let customer = actor(customer_id, Role::Customer);
        for (n, (street, postal_code, city, goal)) in ORDERS.into_iter().enumerate() {
            self.order(
                &customer,
                &support,
                &crews,
                n,
                (street, postal_code, city),
                goal,
            )
            .await?;
        }
        Ok(Some(logins))
    }

    /// The companies, crews (areas and the next 14 days) and one installer each.
    async fn crews(&self, logins: &mut Vec<DemoLogin>) -> Result<Vec<(CrewId, Actor)>, DemoError> {
        let mut companies: Vec<(&str, helio_core::partner::CompanyId)> = Vec::new();
        let mut crews = Vec::new();
        let today = Day::of(self.clock.now());
        for (n, (company, crew, provinces, installer)) in CREWS.into_iter().enumerate() {
            let company = match companies.iter().find(|(name, _)| *name == company) {
                Some((_, id)) => *id,
                None => {
                    let id = self.partners.add_company(company).await?;
                    companies.push((company, id));
                    id
                }
            };
            let crew_id = self.partners.add_crew(company, crew).await?;
            let login = DemoLogin {
                role: Role::Installer,
                email: format!("installer{}@{DEMO_DOMAIN}", n + 1),
                password: password(),
            };
            let account = self
                .accounts
                .create_accepted_for_demo(
                    &login.email,
                    installer,
                    Role::Installer,
                    Some(crew_id),
                    &login.password,
                )
                .await?;
            logins.push(login);
            let installer = actor(account, Role::Installer);
            self.jobs.set_area(&installer, provinces).await?;
            for ahead in 1..=14 {
                let day = Day::from_number(today.number() + ahead);
                self.jobs.set_capacity(&installer, &day.format(), 2).await?;
            }
            crews.push((crew_id, installer));
        }
        Ok(crews)
    }

    /// One order of the customer, moved to `goal` the way people would move it.
    async fn order(
        &self,
        customer: &Actor,
        support: &Actor,
        crews: &[(CrewId, Actor)],
        n: usize,
        (street, postal_code, city): (&str, &str, &str),
        goal: OrderState,
    ) -> Result<OrderId, DemoError> {
        let key = format!("demo-order-{n:02}");
        let (id, _) = self
            .orders
            .place(
                customer.account,
                &OrderInput {
                    street,
                    postal_code,
                    city,
                    monthly_kwh: Some(250.0 + 50.0 * f64::from(u8::try_from(n).unwrap_or(0))),
                    monthly_bill_cents: None,
                    tariff_cents_per_kwh: None,
                    roof_m2: Some(60.0),
                    idempotency_key: &key,
                    source: DEMO_SOURCE,
                },
            )
            .await?;
        if goal == OrderState::Quote {
            return Ok(id);
        }
        self.orders
            .pay_deposit(customer, id, "tok_demo_visa", &format!("{key}-deposit"))
            .await?;
        match goal {
            OrderState::Ordered => return Ok(id),
            OrderState::Cancelled | OrderState::Refunded => {
                self.orders
                    .cancel_as_customer(customer.account, id, DEMO_SOURCE)
                    .await?;
                if goal == OrderState::Refunded {
                    self.orders
                        .request_refund(
                            support,
                            id,
                            20_000,
                            "demo: the roof turned out to be listed",
                        )
                        .await?;
                }
                return Ok(id);
            }
            _ => {}
        }
        let day = Day::from_number(
            Day::of(self.clock.now()).number() + 2 + i32::try_from(n % 10).unwrap_or(0),
        );
        self.orders
            .book(customer.account, id, &day.format())
            .await?;
        if goal == OrderState::Scheduled {
            return Ok(id);
        }
        let offered = self
            .store
            .dispatch()
            .open_offer_of_order(id)
            .await?
            .ok_or(DemoError::Step("the booked job was offered to no crew"))?;
        let (_, installer) = crews
            .iter()
            .find(|(crew, _)| *crew == offered.crew)
            .ok_or(DemoError::Step("the job went to an unknown crew"))?;
        self.jobs.accept(installer, offered.id).await?;
        for (event, reached) in [
            (OrderEvent::Survey, OrderState::Surveyed),
            (OrderEvent::Install, OrderState::Installed),
        ] {
            if goal == OrderState::Assigned
                || (goal == OrderState::Surveyed && reached == OrderState::Installed)
            {
                return Ok(id);
            }
            self.jobs.report(installer, id, event).await?;
        }
        if goal == OrderState::Installed {
            return Ok(id);
        }
        self.orders
            .inspect_by_support(support, id, "demo: inspection report IR-0001")
            .await?;
        if goal == OrderState::Inspected {
            return Ok(id);
        }
        self.orders
            .pay_balance(customer, id, "tok_demo_visa", &format!("{key}-balance"))
            .await?;
        self.orders.rate(customer.account, id, "5").await?;
        Ok(id)
    }
}
