// Check-in (移动签到): "Check in here" asks the browser for its position and fills the form's hidden fields.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-checkin]");
  if (!button) return;
  const form = button.closest("form");
  const status = form.querySelector("[data-checkin-status]");
  if (!navigator.geolocation) {
    status.textContent = button.dataset.errorText;
    return;
  }
  button.disabled = true;
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const { latitude, longitude, accuracy } = position.coords;
      form.querySelector("[name=latitude]").value = latitude.toFixed(6);
      form.querySelector("[name=longitude]").value = longitude.toFixed(6);
      form.querySelector("[name=accuracy]").value = Math.round(accuracy);
      status.textContent = `${latitude.toFixed(5)}, ${longitude.toFixed(5)} (±${Math.round(accuracy)} m)`;
      button.disabled = false;
    },
    () => {
      status.textContent = button.dataset.errorText;
      button.disabled = false;
    },
    { enableHighAccuracy: true, timeout: 15000 },
  );
});
