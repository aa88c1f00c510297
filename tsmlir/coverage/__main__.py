"""`python -m tsmlir.coverage`: print the supported aten schemas and their count."""
from . import main

raise SystemExit(main())
