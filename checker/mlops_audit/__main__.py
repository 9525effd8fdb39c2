import sys

from mlops_audit.entry import main

sys.exit(main())
