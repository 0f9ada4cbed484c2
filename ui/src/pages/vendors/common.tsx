// What the Vendors page's parts share: stable ids for end-to-end tests, and
// an API error shown with its code (shared with the other pages).

export { ApiErrorView, failureOf, tid, type Failure } from "../../components/ApiError";
