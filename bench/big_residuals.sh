# Sourced by bench/ui.sh and bench/ui_probe.sh:
#   add_big_residuals DATALAB PROJECT WORK
# imports a generated 1.25 M-row regression CSV (written in WORK) into PROJECT
# and runs two regressors on it with 80 % of the rows held out, so each run's
# residual series has 1,000,000 points.
add_big_residuals() {
    local datalab="$1" project="$2" work="$3"
    python3 - "$work/big.csv" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    f.write("x1,x2,x3,y\n")
    for _ in range(1_250_000):
        x1, x2, x3 = random.gauss(0, 1), random.gauss(0, 1), random.gauss(0, 1)
        f.write(f"{x1:.5f},{x2:.5f},{x3:.5f},{3 * x1 - 2 * x2 + 0.5 * x3 + random.gauss(0, 1):.5f}\n")
PY
    "$datalab" --project "$project" dataset import "$work/big.csv" --name big >/dev/null
    cat >"$work/big.toml" <<'TOML'
name = "a million residuals"
[dataset]
name = "big"
[task]
kind = "regression"
target = "y"
[validation]
kind = "holdout"
test_fraction = 0.8
[[models]]
model = "linear_regression"
[[models]]
model = "elastic_net"
params = { penalty = 0.01 }
TOML
    "$datalab" --project "$project" run "$work/big.toml" >/dev/null 2>&1
}
