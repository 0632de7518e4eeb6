// Grafana's icons load SVGs over HTTP with react-inlinesvg; in jsdom an empty <svg> stands in.
const React = require('react');
module.exports = { __esModule: true, default: (props) => React.createElement('svg', { 'data-icon': props.src }) };
