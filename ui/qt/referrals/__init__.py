"""Referral and assistance on the desktop: referrals, their form, services and follow-up."""
