/** The Function App's entry point (package.json `main`): importing each file registers its function. */
import './dispatch-checks.js';
import './check-mailbox.js';
import './poison-alert.js';
import './spam-review.js';
import './health.js';
import './mailbox-action.js';
import './status.js';
