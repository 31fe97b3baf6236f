"""The car gate and the car park: plates raise the community's barrier, visitors' cars come
in on a pass, a volunteer decides the rest with one tap, and the count of cars inside."""
