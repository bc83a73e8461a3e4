"""Psychometric analysis: classical item statistics, item/person/model fit,
differential item functioning, scale linking and reliability."""
