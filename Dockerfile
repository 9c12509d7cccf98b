FROM python:3.11-slim
# Production settings: they refuse to start without DJANGO_SECRET_KEY, PAN_HMAC_KEY, DATABASE_URL, REDIS_URL
# and DJANGO_ALLOWED_HOSTS (issue 15 item 9).
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=amexprog.settings.production
# Pango and fonts for WeasyPrint's statement PDFs.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . && pybabel compile -d locale -D django
EXPOSE 8000
CMD ["gunicorn", "amexprog.wsgi:application", "--bind", "0.0.0.0:8000"]
