//! Who may reach an entry point (AC-1, AC-2): the access rule every route is registered with,
//! and the one permission table that says which role holds which capability. Deny by default:
//! a route exists only together with its rule, a capability no row grants is held by nobody,
//! and nothing defaults to "open".
//!
//! The table is data ([`PERMISSIONS`]), so a test can walk every route for every role, and a
//! reviewer reads in one place what each role may do.

use std::time::Duration;

use serde::Serialize;

use crate::role::Role;
use crate::time::Timestamp;

/// How long a staff account may go without a login before the access review flags it for
/// disabling (AC-5: accounts nobody uses are access nobody watches).
pub const UNUSED_AFTER: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// Whether a staff account is unused at `now`: no login for [`UNUSED_AFTER`], counting from
/// its creation when it never logged in (an invitation nobody took up is flagged too).
#[must_use]
pub fn is_unused(last_login: Option<Timestamp>, created_at: Timestamp, now: Timestamp) -> bool {
    let since = last_login.map_or(created_at, |login| login.max(created_at));
    now >= since.saturating_add(UNUSED_AFTER)
}

/// Something only some roles may do. Each is a whole job-sized capability from the brief's
/// table; what a capability shows (masked or full, name and city only) is decided by the
/// capabilities the viewer holds, never by the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// Customers: order installations from their quotes and follow their own orders.
    OwnOrders,
    /// Installers: job offers, assigned jobs and their status, the job site while assigned.
    WorkJobs,
    /// Find customers (by email, phone or order number); see their name and city.
    SearchCustomers,
    /// See a customer's contact data masked (`j***@e***.com`, `***-***-1234`).
    ViewMaskedContactData,
    /// See a customer's full personal data, one view at a time, with a reason (audited).
    RevealPersonalData,
    /// Lock and unlock customer accounts, reset their second factor, end their sessions,
    /// correct their contact data.
    ManageCustomerAccounts,
    /// Reschedule, cancel and reassign orders.
    ChangeOrders,
    /// Refund up to the configured limit; above it, ask an admin.
    Refund,
    /// Approve refunds above the limit (never one's own request).
    ApproveRefunds,
    /// Leads, pipeline, aggregate reports; discounts up to the configured limit.
    SellAndReport,
    /// Health, metrics, configuration with secrets redacted, audit-chain verification.
    OperateSystem,
    /// Ask for time-limited access to one customer's record, with a reason.
    RequestBreakGlass,
    /// Approve break-glass requests (never one's own).
    ApproveBreakGlass,
    /// Invite staff, change their roles, disable them; review access.
    ManageStaff,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Self; 14] = [
        Self::OwnOrders,
        Self::WorkJobs,
        Self::SearchCustomers,
        Self::ViewMaskedContactData,
        Self::RevealPersonalData,
        Self::ManageCustomerAccounts,
        Self::ChangeOrders,
        Self::Refund,
        Self::ApproveRefunds,
        Self::SellAndReport,
        Self::OperateSystem,
        Self::RequestBreakGlass,
        Self::ApproveBreakGlass,
        Self::ManageStaff,
    ];

    /// The stable name (logs, audit entries).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OwnOrders => "own_orders",
            Self::WorkJobs => "work_jobs",
            Self::SearchCustomers => "search_customers",
            Self::ViewMaskedContactData => "view_masked_contact_data",
            Self::RevealPersonalData => "reveal_personal_data",
            Self::ManageCustomerAccounts => "manage_customer_accounts",
            Self::ChangeOrders => "change_orders",
            Self::Refund => "refund",
            Self::ApproveRefunds => "approve_refunds",
            Self::SellAndReport => "sell_and_report",
            Self::OperateSystem => "operate_system",
            Self::RequestBreakGlass => "request_break_glass",
            Self::ApproveBreakGlass => "approve_break_glass",
            Self::ManageStaff => "manage_staff",
        }
    }
}

/// The permission table: each capability and the roles that hold it. A role not listed for a
/// capability does not hold it. What every account has of its own (profile, sessions) is
/// [`Access::SignedIn`].
pub const PERMISSIONS: [(Capability, &[Role]); 14] = [
    (Capability::OwnOrders, &[Role::Customer]),
    (Capability::WorkJobs, &[Role::Installer]),
    (Capability::SearchCustomers, &[Role::Support, Role::Sales]),
    (Capability::ViewMaskedContactData, &[Role::Support]),
    (Capability::RevealPersonalData, &[Role::Support]),
    (Capability::ManageCustomerAccounts, &[Role::Support]),
    (Capability::ChangeOrders, &[Role::Support]),
    (Capability::Refund, &[Role::Support]),
    (Capability::ApproveRefunds, &[Role::Admin]),
    (Capability::SellAndReport, &[Role::Sales]),
    (Capability::OperateSystem, &[Role::Engineer, Role::Admin]),
    (Capability::RequestBreakGlass, &[Role::Engineer]),
    (Capability::ApproveBreakGlass, &[Role::Admin]),
    (Capability::ManageStaff, &[Role::Admin]),
];

/// Whether `role` holds `capability`, by the table.
#[must_use]
pub fn permits(role: Role, capability: Capability) -> bool {
    PERMISSIONS
        .iter()
        .any(|(granted, roles)| *granted == capability && roles.contains(&role))
}

/// The access rule attached to an entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Reachable without an account: landing page, static assets, health probes.
    Public,
    /// Any signed-in account, for its own things (its account page, logging out).
    SignedIn,
    /// Half-way through login: the password is done and the second factor is asked for.
    MfaChallenge,
    /// Setting up a second factor: forced after the password for roles that need one, or
    /// chosen from the account page.
    MfaEnrolment,
    /// Any half-finished login (to abandon it).
    LoginInProgress,
    /// A full session whose role holds the capability.
    Capability(Capability),
}

impl Access {
    /// Whether an anonymous visitor may reach an entry point with this rule.
    #[must_use]
    pub fn allows_anonymous(self) -> bool {
        match self {
            Self::Public => true,
            Self::SignedIn
            | Self::MfaChallenge
            | Self::MfaEnrolment
            | Self::LoginInProgress
            | Self::Capability(_) => false,
        }
    }

    /// Whether a fully signed-in account of `role` may reach an entry point with this rule.
    #[must_use]
    pub fn allows_role(self, role: Role) -> bool {
        match self {
            Self::Public | Self::SignedIn | Self::MfaEnrolment => true,
            Self::MfaChallenge | Self::LoginInProgress => false,
            Self::Capability(capability) => permits(role, capability),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// AC-2: the brief's table, written out independently of [`PERMISSIONS`]: loosening or
    /// tightening any cell of the table fails here.
    #[test]
    fn ac_2_the_permission_table_is_the_reviewed_one() {
        use Capability as C;
        use Role as R;
        let reviewed: &[(C, &[R])] = &[
            (C::OwnOrders, &[R::Customer]),
            (C::WorkJobs, &[R::Installer]),
            (C::SearchCustomers, &[R::Support, R::Sales]),
            (C::ViewMaskedContactData, &[R::Support]),
            (C::RevealPersonalData, &[R::Support]),
            (C::ManageCustomerAccounts, &[R::Support]),
            (C::ChangeOrders, &[R::Support]),
            (C::Refund, &[R::Support]),
            (C::ApproveRefunds, &[R::Admin]),
            (C::SellAndReport, &[R::Sales]),
            (C::OperateSystem, &[R::Engineer, R::Admin]),
            (C::RequestBreakGlass, &[R::Engineer]),
            (C::ApproveBreakGlass, &[R::Admin]),
            (C::ManageStaff, &[R::Admin]),
        ];
        for capability in Capability::ALL {
            let expected: HashSet<Role> = reviewed
                .iter()
                .find(|(c, _)| *c == capability)
                .map(|(_, roles)| roles.iter().copied().collect())
                .unwrap_or_default();
            for role in Role::ALL {
                assert_eq!(
                    permits(role, capability),
                    expected.contains(&role),
                    "{role} and {}",
                    capability.as_str()
                );
            }
        }
    }

    #[test]
    fn ac_1_customers_hold_only_their_orders_and_staff_none_of_customer_data_by_default() {
        for capability in Capability::ALL {
            assert_eq!(
                permits(Role::Customer, capability),
                capability == Capability::OwnOrders
            );
        }
        for capability in [
            Capability::ViewMaskedContactData,
            Capability::RevealPersonalData,
            Capability::ManageCustomerAccounts,
        ] {
            for role in [Role::Sales, Role::Engineer, Role::Admin, Role::Installer] {
                assert!(!permits(role, capability), "{role} {}", capability.as_str());
            }
        }
        assert!(!Access::Capability(Capability::OperateSystem).allows_anonymous());
        assert!(!Access::Capability(Capability::OperateSystem).allows_role(Role::Support));
        assert!(Access::Capability(Capability::OperateSystem).allows_role(Role::Engineer));
    }

    #[test]
    fn ac_5_accounts_without_a_login_for_90_days_are_unused() {
        let day = Duration::from_secs(24 * 60 * 60);
        let created = Timestamp::from_unix_micros(0);
        let at = |days: u32| created.saturating_add(day * days);
        assert!(!is_unused(None, created, at(89)));
        assert!(is_unused(None, created, at(90)));
        assert!(!is_unused(Some(at(10)), created, at(99)));
        assert!(is_unused(Some(at(10)), created, at(100)));
        assert!(!is_unused(Some(at(200)), created, at(250)));
    }

    #[test]
    fn every_capability_is_in_the_table_once_with_a_unique_name() {
        let names: HashSet<_> = Capability::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), Capability::ALL.len());
        for capability in Capability::ALL {
            assert_eq!(
                PERMISSIONS.iter().filter(|(c, _)| *c == capability).count(),
                1,
                "{}",
                capability.as_str()
            );
        }
    }
}
