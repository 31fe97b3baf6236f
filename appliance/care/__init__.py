"""Care for elders living alone, visits and their monthly coverage."""
